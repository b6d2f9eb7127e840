using LvmCloud.Core.Training;

namespace LvmCloud.Core.Tests.Training;

public sealed class TrainingLogTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Resuming_keeps_whole_rows_up_to_the_step_and_drops_a_row_cut_by_a_kill()
    {
        string path = _dir.File("loss.csv");
        var log = new TrainingLog(path);
        log.Open(0);
        for (int step = 1; step <= 4; step++) log.Append(new TrainingLogRow(step, 1e-3, 5.0 - step, null, 100));
        // A process killed inside Append: the row of step 15 was cut after its first digit.
        File.AppendAllText(path, "1");

        new TrainingLog(path).Open(resumeStep: 3);

        var lines = File.ReadAllLines(path);
        Assert.Equal(["1", "2", "3"], lines.Skip(1).Select(l => l.Split(',')[0]));
        Assert.Equal([1, 2, 3], TrainingLog.Read(path)["train_loss"].Select(p => p.Step));
        Assert.EndsWith("\n", File.ReadAllText(path));
    }
}
