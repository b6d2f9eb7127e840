using LvmCloud.Core.Storage;
using LvmCloud.Vision.Tests.Support;
using LvmCloud.Vision.Training;
using LvmCloud.Vision.Transformer;
using static LvmCloud.Vision.Tests.Training.TinyLm;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Training;

[Collection(TorchRngCollection.Name)]
public sealed class CheckpointStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lvm-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static TrainingState State(int step) => new(step, 0, "test", 1.5);

    private static void Perturb(nn.Module model)
    {
        using var _ = no_grad();
        foreach (var p in model.parameters()) p.add_(0.25f);
    }

    private static async Task<List<string>> Files(IFileStore store)
    {
        var paths = new List<string>();
        await foreach (var file in store.ListAsync()) paths.Add(file.Path);
        return paths;
    }

    [Theory]
    [InlineData("step-00000006/model/model.safetensors")] // killed while writing the new weights
    [InlineData("step-00000006/optimizer.bin")]           // killed while writing the new optimizer state
    [InlineData("state.json")]                            // killed just before the commit
    public async Task A_save_killed_before_its_commit_leaves_the_previous_checkpoint_usable(string killedAt)
    {
        var folder = new FolderStore(Path.Combine(_root, "checkpoint"));
        var store = new CheckpointStore(folder);
        using var model = NewModel(1);
        using var optimizer = TransformerOptimizer.Create(model, Options);
        await store.SaveAsync(model, model.Config.Save, optimizer, State(3), publishModel: true);
        var atStep3 = Snapshot(model);

        Perturb(model);
        var dying = new CheckpointStore(new FailingStore(folder, (op, path) => op == "write" && path == killedAt));
        await Assert.ThrowsAsync<IOException>(() => dying.SaveAsync(model, model.Config.Save, optimizer, State(6), publishModel: true));

        var state = await store.ReadStateAsync();
        Assert.Equal(3, state!.Step);
        Assert.Equal("step-00000003", state.Folder);
        using (var fresh = NewModel(2))
        using (var freshOptimizer = TransformerOptimizer.Create(fresh, Options))
        {
            await store.RestoreAsync(state, fresh, freshOptimizer);
            Assert.Equal(atStep3, Snapshot(fresh));
        }
        using (var published = LlamaForCausalLM.FromPretrained(folder.FullPath("model")))
            Assert.Equal(atStep3, Snapshot(published));

        // The next save commits, then removes the old folder and the abandoned one.
        await store.SaveAsync(model, model.Config.Save, optimizer, State(8), publishModel: true);
        Assert.Equal(
            ["model/config.json", "model/model.safetensors", "state.json", "step-00000008/model/config.json", "step-00000008/model/model.safetensors", "step-00000008/optimizer.bin"],
            await Files(folder));
        Assert.Equal(["model", "step-00000008"], Directory.GetDirectories(folder.Root).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task A_save_killed_after_its_commit_restores_the_new_checkpoint()
    {
        var folder = new FolderStore(Path.Combine(_root, "checkpoint"));
        var store = new CheckpointStore(folder);
        using var model = NewModel(1);
        using var optimizer = TransformerOptimizer.Create(model, Options);
        await store.SaveAsync(model, model.Config.Save, optimizer, State(3));
        Perturb(model);
        var atStep6 = Snapshot(model);
        var dying = new CheckpointStore(new FailingStore(folder, (op, path) => op == "delete"));
        await Assert.ThrowsAsync<IOException>(() => dying.SaveAsync(model, model.Config.Save, optimizer, State(6)));

        var state = await store.ReadStateAsync();
        Assert.Equal(6, state!.Step);
        using var fresh = NewModel(2);
        using var freshOptimizer = TransformerOptimizer.Create(fresh, Options);
        await store.RestoreAsync(state, fresh, freshOptimizer);
        Assert.Equal(atStep6, Snapshot(fresh));
    }

    [Fact]
    public async Task Saving_the_committed_step_again_never_writes_into_the_committed_folder()
    {
        var folder = new FolderStore(Path.Combine(_root, "checkpoint"));
        var store = new CheckpointStore(folder);
        using var model = NewModel(1);
        await store.SaveAsync(model, model.Config.Save, null, State(4));
        // Writing into the committed folder would be the only moment a kill could leave no usable checkpoint.
        var guarded = new CheckpointStore(new FailingStore(folder, (op, path) => op == "write" && path.StartsWith("step-00000004/", StringComparison.Ordinal)));
        Perturb(model);
        await guarded.SaveAsync(model, model.Config.Save, null, State(4));
        var state = await store.ReadStateAsync();
        Assert.Equal("step-00000004-2", state!.Folder);
        Assert.DoesNotContain(await Files(folder), p => p.StartsWith("step-00000004/", StringComparison.Ordinal) || p.EndsWith("optimizer.bin", StringComparison.Ordinal));
    }
}
