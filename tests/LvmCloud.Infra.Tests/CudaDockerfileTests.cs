using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace LvmCloud.Infra.Tests;

/// <summary>
/// <c>src/LvmCloud.Worker/Dockerfile.cuda</c> cannot be built on these machines (no Docker engine, no CUDA package), so
/// its steps are checked against what they must agree with: the libtorch for CUDA that the pinned TorchSharp names,
/// the .NET version the projects target, and the CPU image's settings.
/// </summary>
public sealed class CudaDockerfileTests
{
    private static readonly string Cuda = BuildMetadata.ReadRepositoryFile("src/LvmCloud.Worker/Dockerfile.cuda");
    private static readonly string Cpu = BuildMetadata.ReadRepositoryFile("src/LvmCloud.Worker/Dockerfile");

    [Fact]
    public void The_build_stage_publishes_the_worker_with_the_cuda_backend()
    {
        var build = Stages(Cuda)[0];

        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/sdk:10\.0 AS build$", build.From);
        Assert.Matches(@"(?m)^RUN dotnet publish src/LvmCloud\.Worker -c Release -p:TorchBackend=cuda -o /app$", build.Body);
    }

    [Fact]
    public void The_runtime_base_is_the_cuda_release_the_pinned_torchsharp_loads()
    {
        var nuspec = XDocument.Load(Path.Combine(BuildMetadata.TorchSharpPackage, "torchsharp.nuspec"));
        var description = nuspec.Descendants().Single(e => e.Name.LocalName == "description").Value;
        // "Requires reference to one of libtorch-cpu, libtorch-cuda-12.8, ... or libtorch-cuda-12.8-linux-x64 version 2.10.0.0"
        var expected = Regex.Match(description, @"libtorch-cuda-(\d+\.\d+)-linux-x64");
        Assert.True(expected.Success, $"TorchSharp's nuspec no longer names libtorch-cuda-X.Y-linux-x64: {description}");

        var runtime = Stages(Cuda)[^1].From;
        var image = Regex.Match(runtime, @"^nvidia/cuda:(?<major>\d+)\.(?<minor>\d+)\.\d+-(cudnn-)?runtime-ubuntu(?<ubuntu>\d+\.\d+)$");
        Assert.True(image.Success, $"the runtime stage should start from an nvidia/cuda X.Y.Z runtime image, not '{runtime}'");
        Assert.Equal(expected.Groups[1].Value, $"{image.Groups["major"].Value}.{image.Groups["minor"].Value}");
        // GLIBCXX_3.4.32 (libLibTorchSharp.so) ships with GCC 13's libstdc++: Ubuntu 24.04 and later (docs/architecture.md).
        Assert.True(Version.Parse(image.Groups["ubuntu"].Value) >= new Version(24, 4), $"Ubuntu {image.Groups["ubuntu"].Value} predates GCC 13's libstdc++");
    }

    [Fact]
    public void The_dotnet_runtime_installed_is_the_version_the_projects_target()
    {
        var props = XDocument.Parse(BuildMetadata.ReadRepositoryFile("Directory.Build.props"));
        var framework = props.Descendants("TargetFramework").Single().Value; // net10.0
        var channel = framework["net".Length..];

        Assert.Matches($@"dotnet-install\.sh --channel {Regex.Escape(channel)} --runtime dotnet ", Stages(Cuda)[^1].Body);
        Assert.Matches(@"https://dot\.net/v1/dotnet-install\.sh", Stages(Cuda)[^1].Body);
    }

    [Fact]
    public void The_image_runs_the_worker_as_the_cpu_image_does_with_the_device_set_to_cuda()
    {
        var cuda = Stages(Cuda)[^1].Body;
        var cpu = Stages(Cpu)[^1].Body;

        foreach (var line in Lines(cpu, "ENV ").Concat(Lines(cpu, "COPY ")).Concat(Lines(cpu, "ENTRYPOINT ")).Concat(Lines(cpu, "STOPSIGNAL ")))
            Assert.Contains(line, Lines(cuda, line[..(line.IndexOf(' ') + 1)]));
        Assert.Contains("ENV Worker__Device=cuda", Lines(cuda, "ENV "));
    }

    private sealed record Stage(string From, string Body);

    /// <summary>The Dockerfile's stages: each FROM's argument and the instructions up to the next FROM (continuations joined).</summary>
    private static List<Stage> Stages(string dockerfile)
    {
        var text = Regex.Replace(dockerfile, @"\\\r?\n\s*", " ");
        var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var stages = new List<Stage>();
        foreach (var line in lines)
        {
            if (line.StartsWith("FROM ", StringComparison.Ordinal))
                stages.Add(new Stage(line["FROM ".Length..].Trim(), ""));
            else if (stages.Count > 0)
                stages[^1] = stages[^1] with { Body = stages[^1].Body + line + "\n" };
        }
        Assert.NotEmpty(stages);
        return stages;
    }

    private static List<string> Lines(string body, string instruction) =>
        body.Split('\n').Where(l => l.StartsWith(instruction, StringComparison.Ordinal)).ToList();
}
