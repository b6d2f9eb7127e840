using LvmCloud.Cli.Commands;
using LvmCloud.Cli.Tests.Support;

namespace LvmCloud.Cli.Tests;

/// <summary>The <c>noun verb</c> tree: help shows the groups and each group's verbs; the old flat names run, hidden.</summary>
public sealed class CommandTreeTests
{
    public static TheoryData<string, string[]> Groups => new()
    {
        { "batches", ["submit", "status", "wait", "fetch", "cancel", "list"] },
        { "datasets", ["upload", "status", "tokenize", "fetch-tokens", "list"] },
        { "runs", ["submit", "status", "wait", "cancel", "resume", "list"] },
        { "models", ["list", "plan", "import", "push", "pull", "presets"] },
    };

    [Fact]
    public async Task Help_lists_the_groups_and_the_local_commands_but_not_the_old_flat_names()
    {
        var result = await CliRun.RunAsync("--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        var commands = CommandNames(result.Stdout);
        foreach (var expected in new[] { "batches", "datasets", "runs", "models", "complete", "generate", "tokenize", "detokenize", "perplexity", "train", "eval" })
            Assert.Contains(expected, commands);
        Assert.DoesNotContain("submit", commands);
        Assert.DoesNotContain("train-submit", commands);
        Assert.DoesNotContain("train-status", commands);
        Assert.DoesNotContain("fetch", commands);
    }

    [Theory]
    [MemberData(nameof(Groups))]
    public async Task Each_group_has_help_listing_its_verbs(string group, string[] verbs)
    {
        var result = await CliRun.RunAsync(group, "--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(verbs.Order(), CommandNames(result.Stdout).Order());
    }

    [Fact]
    public void Every_hidden_alias_names_a_verb_of_its_group()
    {
        Assert.Equal(9, LvmCommandTree.HiddenAliases.Count);
        foreach (var (oldName, group, verb) in LvmCommandTree.HiddenAliases)
            Assert.Contains(verb, Groups.Single(g => (string)g[0] == group)[1] as string[] ?? [], StringComparer.Ordinal);
    }

    [Theory]
    [InlineData("submit", "batches", "submit")]
    [InlineData("status", "batches", "status")]
    [InlineData("wait", "batches", "wait")]
    [InlineData("fetch", "batches", "fetch")]
    [InlineData("train-submit", "runs", "submit")]
    [InlineData("train-status", "runs", "status")]
    [InlineData("train-wait", "runs", "wait")]
    [InlineData("train-cancel", "runs", "cancel")]
    [InlineData("train-resume", "runs", "resume")]
    public async Task A_hidden_alias_runs_its_new_command_with_the_same_options(string oldName, string group, string verb)
    {
        // Without an endpoint each stops at the same place with the same message: the alias reached the same command.
        var (argument, options) = verb switch
        {
            "submit" => (Path.Combine(Path.GetTempPath(), "no-such-folder", "file.json"), Array.Empty<string>()),
            "fetch" => ("b1", ["--out", Path.Combine(Path.GetTempPath(), "lvm-alias-unused")]),
            _ => ("id-1", Array.Empty<string>()),
        };
        var old = await RunWithoutEndpointAsync([oldName, argument, .. options]);
        var current = await RunWithoutEndpointAsync([group, verb, argument, .. options]);

        Assert.Equal(current.ExitCode, old.ExitCode);
        Assert.Equal(2, old.ExitCode);
        Assert.Equal(current.Stderr, old.Stderr);
    }

    private static async Task<CliResult> RunWithoutEndpointAsync(string[] args)
    {
        var saved = Environment.GetEnvironmentVariable("LVM_ENDPOINT");
        Environment.SetEnvironmentVariable("LVM_ENDPOINT", null);
        try
        {
            return await CliRun.RunAsync(args);
        }
        finally
        {
            Environment.SetEnvironmentVariable("LVM_ENDPOINT", saved);
        }
    }

    /// <summary>The names listed under "Commands:" in a help text.</summary>
    private static List<string> CommandNames(string help)
    {
        var lines = help.Split('\n');
        var start = Array.FindIndex(lines, l => l.TrimEnd() == "Commands:");
        Assert.True(start >= 0, help);
        return lines.Skip(start + 1).TakeWhile(l => l.Trim().Length > 0)
            .Where(l => l.Length > 2 && l.StartsWith("  ", StringComparison.Ordinal) && l[2] != ' ')
            .Select(l => l.Trim().Split(' ', 2)[0])
            .Where(n => n.Length > 0)
            .ToList();
    }
}
