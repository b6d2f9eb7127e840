using LvmCloud.Core.Manifests;
using LvmCloud.Core.Storage;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Vision.Batches;
using LvmCloud.Vision.Pipelines;
using LvmCloud.Worker;
using LvmCloud.Worker.Generate;
using LvmCloud.Worker.Jobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LvmCloud.Platform.Tests;

/// <summary>
/// <see cref="GenerationBatcher"/> on its own, with the bundled model on folders: when a batch runs (at once when
/// nothing else is on its way or it is full), and what cancelling one message does to the others. The batcher's clock
/// stands still (<see cref="StoppedClock"/>): the gather window never runs out, so a batch that ran did so without
/// waiting for it, whatever the machine's speed; a batch that waited for it would never finish (<see cref="Unstuck"/>).
/// </summary>
public sealed class GenerationBatcherTests : IDisposable
{
    private static readonly ModelReference Bundled = new("fmnist-lvm", "latest");
    private static readonly TimeSpan LongWindow = TimeSpan.FromSeconds(10);
    /// <summary>Bounds a run that waits for the window (it never ends on the stopped clock): the test then fails, not hangs.</summary>
    private static readonly TimeSpan Unstuck = TimeSpan.FromMinutes(2);
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("lvm-batcher-");
    private readonly LvmModel _model = LvmModel.Load(Path.Combine(RepoRoot.Find(), "models", "fmnist-lvm"));
    private readonly FolderStore _inputs;

    public GenerationBatcherTests()
    {
        _inputs = new FolderStore(Path.Combine(_temp.FullName, "inputs"));
        for (var i = 0; i < 4; i++)
            File.WriteAllBytes(Path.Combine(Directory.CreateDirectory(Path.Combine(_temp.FullName, "inputs")).FullName, $"p{i}.png"), TestImages.Png(16, 8, (byte)(60 * i)));
    }

    [Fact]
    public async Task A_lone_message_runs_at_once_without_waiting_out_the_gather_window()
    {
        var completer = new GatedCompleter(new CompletionPipeline(_model), open: true);
        var batcher = Batcher(batchRows: 16, LongWindow);
        using var other = batcher.Announce(Bundled);
        other.Dispose(); // announced, then found nothing to run: nothing waits for it

        var runs = await batcher.RunAsync(batcher.Announce(Bundled), completer, [Item("a", 0)], _inputs, Outputs("lone"), CancellationToken.None)
            .WaitAsync(Unstuck); // the window never runs out: finishing at all means it did not wait for it

        Assert.Null(Assert.Single(runs).Record.Error);
        Assert.Equal(1, completer.Calls);
    }

    [Fact]
    public async Task A_message_with_more_rows_than_the_budget_runs_alone_at_once_and_smaller_ones_share_the_next_batch()
    {
        var completer = new GatedCompleter(new CompletionPipeline(_model), open: true);
        var batcher = Batcher(batchRows: 2, LongWindow);
        var seatB = batcher.Announce(Bundled);
        var seatC = batcher.Announce(Bundled);

        // With b and c announced, only "the batch is full" lets big run before the window (which never runs out here).
        var big = await batcher.RunAsync(batcher.Announce(Bundled), completer, [Item("big", 0, "\"n_candidates\": 3")], _inputs, Outputs("big"), CancellationToken.None)
            .WaitAsync(Unstuck);
        var small = await Task.WhenAll(
            batcher.RunAsync(seatB, completer, [Item("b", 1)], _inputs, Outputs("b"), CancellationToken.None),
            batcher.RunAsync(seatC, completer, [Item("c", 2)], _inputs, Outputs("c"), CancellationToken.None)).WaitAsync(Unstuck);

        Assert.Equal([1, 2], completer.ItemsPerCall);
        Assert.Equal(3, Assert.Single(big).Record.Outputs.Count);
        Assert.All(small, runs => Assert.Null(Assert.Single(runs).Record.Error));
    }

    [Fact]
    public async Task Cancelling_one_gathered_message_leaves_the_others_results_those_of_a_run_alone()
    {
        var reference = await new BatchItemRunner(new CompletionPipeline(_model)).RunAsync([Item("b", 1)], _inputs, Outputs("reference"));
        var completer = new GatedCompleter(new CompletionPipeline(_model), open: false);
        var batcher = Batcher(batchRows: 16, LongWindow);
        var (seatA, seatB) = (batcher.Announce(Bundled), batcher.Announce(Bundled));
        using var cancelA = new CancellationTokenSource();

        var a = batcher.RunAsync(seatA, completer, [Item("a", 0)], _inputs, Outputs("a"), cancelA.Token);
        var b = batcher.RunAsync(seatB, completer, [Item("b", 1)], _inputs, Outputs("b"), CancellationToken.None);
        Assert.True(completer.Entered.Wait(TimeSpan.FromSeconds(20)), "the batch did not start");
        await cancelA.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a);
        completer.Release();
        var runs = await b.WaitAsync(Unstuck);

        Assert.Equal([2], completer.ItemsPerCall); // both were in the batch when a was cancelled
        var record = Assert.Single(runs).Record;
        Assert.Equal(reference[0].Record.Outputs, record.Outputs);
        foreach (var path in record.Outputs.Append(record.ContactSheet!))
            Assert.Equal(await Outputs("reference").ReadAllBytesAsync(path), await Outputs("b").ReadAllBytesAsync(path));
        Assert.False(Directory.Exists(Path.Combine(_temp.FullName, "a", "items")), "the cancelled message wrote nothing");
    }

    private static GenerationBatcher Batcher(int batchRows, TimeSpan window) => new(
        Options.Create(new GenerationBatchOptions { BatchRows = batchRows, GatherWindow = window }),
        Options.Create(new WorkerOptions()),
        new WorkerStats(),
        new StoppedClock(),
        NullLogger<GenerationBatcher>.Instance);

    private static BatchItem Item(string id, int image, string? more = null) =>
        Assert.Single(BatchManifestParser.Parse($"{{\"id\": \"{id}\", \"input\": [\"p{image}.png\"], \"seed\": {image + 7}{(more is null ? "" : ", " + more)}}}").Items);

    private FolderStore Outputs(string name) => new(Path.Combine(_temp.FullName, name));

    public void Dispose()
    {
        _model.Dispose();
        _temp.Delete(recursive: true);
    }

    /// <summary>
    /// The real pipeline behind a gate the test opens, so that a cancel lands while a batch is in the model (the real
    /// model is too quick to catch mid-call); it records the items of each call.
    /// </summary>
    private sealed class GatedCompleter(IFrameCompleter inner, bool open) : IFrameCompleter
    {
        private readonly ManualResetEventSlim _gate = new(open);
        private readonly List<int> _itemsPerCall = [];

        public ManualResetEventSlim Entered { get; } = new();
        public int Calls => ItemsPerCall.Count;
        public IReadOnlyList<int> ItemsPerCall
        {
            get
            {
                lock (_itemsPerCall)
                    return _itemsPerCall.ToList();
            }
        }

        public int Resolution => inner.Resolution;

        public void Release() => _gate.Set();

        public IReadOnlyList<CompletionOutput> Complete(IReadOnlyList<CompletionInput> items, CancellationToken cancellationToken)
        {
            lock (_itemsPerCall)
                _itemsPerCall.Add(items.Count);
            Entered.Set();
            _gate.Wait(TimeSpan.FromSeconds(30)); // not the batch's token: the others' batch must go on after a's cancel
            return inner.Complete(items, cancellationToken);
        }
    }
}
