using LvmCloud.Vision.Memory;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Memory;

/// <summary>What the process may use, read from cgroup and /proc files laid out under a folder of the test's own.</summary>
public sealed class MemoryBudgetTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lvm-budget-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string relative, string text)
    {
        string path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private const string MemInfo = "MemTotal:       24000000 kB\nMemFree:         1000000 kB\nMemAvailable:   20000000 kB\n";

    [Fact]
    public void Without_a_cgroup_limit_memavailable_is_the_budget()
    {
        Write("proc/meminfo", MemInfo);
        Write("sys/fs/cgroup/memory.max", "max\n");
        Write("sys/fs/cgroup/memory.current", "5000000000\n");

        var budget = MemoryBudget.Detect(CPU, null, _root);

        Assert.Equal(20000000L * 1024, budget.FreeBytes);
        Assert.Equal("/proc/meminfo MemAvailable", budget.Source);
    }

    [Fact]
    public void A_cgroup_v2_limit_of_the_process_own_group_counts_its_inactive_page_cache_as_free()
    {
        Write("proc/meminfo", MemInfo);
        Write("proc/self/cgroup", "0::/workers/w1\n");
        Write("sys/fs/cgroup/workers/w1/memory.max", "8000000000\n");
        Write("sys/fs/cgroup/workers/w1/memory.current", "3000000000\n");
        Write("sys/fs/cgroup/workers/w1/memory.stat", "anon 2000000000\nfile 1000000000\ninactive_file 500000000\n");

        var budget = MemoryBudget.Detect(CPU, null, _root);

        Assert.Equal(8_000_000_000 - (3_000_000_000 - 500_000_000), budget.FreeBytes);
        Assert.Equal("cgroup v2 memory.max minus memory.current", budget.Source);
    }

    [Fact]
    public void A_cgroup_v1_limit_applies_and_its_no_limit_value_does_not()
    {
        Write("proc/meminfo", MemInfo);
        Write("proc/self/cgroup", "4:memory:/job\n0::/\n");
        Write("sys/fs/cgroup/memory/job/memory.limit_in_bytes", "6000000000\n");
        Write("sys/fs/cgroup/memory/job/memory.usage_in_bytes", "1000000000\n");
        Write("sys/fs/cgroup/memory/job/memory.stat", "cache 1\ntotal_inactive_file 0\n");

        var limited = MemoryBudget.Detect(CPU, null, _root);
        Write("sys/fs/cgroup/memory/job/memory.limit_in_bytes", "9223372036854771712\n");
        var unlimited = MemoryBudget.Detect(CPU, null, _root);

        Assert.Equal(5_000_000_000, limited.FreeBytes);
        Assert.StartsWith("cgroup v1", limited.Source);
        Assert.Equal("/proc/meminfo MemAvailable", unlimited.Source);
    }

    [Fact]
    public void The_override_replaces_what_the_machine_reports()
    {
        Write("proc/meminfo", MemInfo);

        var budget = MemoryBudget.Detect(CPU, "16", _root);

        Assert.Equal(16_000_000_000, budget.FreeBytes);
        Assert.Equal("LVM_MEMORY_LIMIT_GB=16", budget.Source);
    }

    [Theory]
    [InlineData("lots")]
    [InlineData("-2")]
    [InlineData("0")]
    public void An_override_that_is_not_a_positive_number_is_refused_by_name(string value)
    {
        var error = Assert.Throws<ArgumentException>(() => MemoryBudget.Detect(CPU, value, _root));

        Assert.Equal($"LVM_MEMORY_LIMIT_GB must be a positive number of GB (e.g. 16 or 21.5), got '{value}'.", error.Message);
    }

    [Fact]
    public void Nothing_readable_is_unknown()
    {
        var budget = MemoryBudget.Detect(CPU, null, _root);

        Assert.Null(budget.FreeBytes);
        Assert.StartsWith("unknown", budget.Source);
    }
}
