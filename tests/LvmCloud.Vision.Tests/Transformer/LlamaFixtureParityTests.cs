using LvmCloud.Vision.Tests.Support;
using static TorchSharp.torch;

namespace LvmCloud.Vision.Tests.Transformer;

/// <summary>The port against outputs of HF transformers on the same weights and inputs, on <see cref="TestDevice"/>.</summary>
public class LlamaFixtureParityTests
{
    private const double Tolerance = 1e-4;

    public static TheoryData<string, string> FixturesAndWeights => new()
    {
        { LlamaFixture.Mha, "model.safetensors" },
        { LlamaFixture.Mha, "pytorch_model.bin" },
        { LlamaFixture.Gqa, "model.safetensors" },
        { LlamaFixture.Gqa, "pytorch_model.bin" },
    };

    [Theory]
    [MemberData(nameof(FixturesAndWeights))]
    public void Logits_and_hidden_states_match_the_reference(string fixtureName, string weights)
    {
        var fixture = new LlamaFixture(fixtureName);
        using var model = fixture.LoadModel(weights);
        using var ids = fixture.Tensor("input_ids");
        using var expectedLogits = fixture.Tensor("logits");
        using var expectedHidden = fixture.Tensor("hidden_states");
        using var _ = no_grad();

        using var output = model.ForwardWithHiddenStates(ids);

        Assert.Equal(TestDevice.Device.type, model.Device.type);
        Assert.Equal(expectedLogits.shape, output.Logits.shape);
        Assert.InRange(LlamaFixture.MaxAbsDiff(output.Logits, expectedLogits), 0, Tolerance);
        Assert.Equal(expectedHidden.shape[0], output.HiddenStates.Count);
        for (int i = 0; i < output.HiddenStates.Count; i++)
        {
            using var expected = expectedHidden[i];
            Assert.InRange(LlamaFixture.MaxAbsDiff(output.HiddenStates[i], expected), 0, Tolerance);
        }
    }

    [Theory]
    [InlineData(LlamaFixture.Mha)]
    [InlineData(LlamaFixture.Gqa)]
    public void Parameter_names_and_shapes_are_those_of_Hugging_Face(string fixtureName)
    {
        var fixture = new LlamaFixture(fixtureName);
        using var model = new LvmCloud.Vision.Transformer.LlamaForCausalLM(fixture.Config);
        var names = model.state_dict().Keys.ToList();
        Assert.Equal(fixture.ParameterNames.OrderBy(n => n, StringComparer.Ordinal), names.OrderBy(n => n, StringComparer.Ordinal));
        Assert.Equal(fixture.Config.ParameterCount, model.parameters().Sum(p => p.numel()));
    }

    [Theory]
    [InlineData(LlamaFixture.Mha)]
    [InlineData(LlamaFixture.Gqa)]
    public void Kv_cache_decoding_matches_greedy_reference(string fixtureName)
    {
        var fixture = new LlamaFixture(fixtureName);
        using var model = fixture.LoadModel();
        using var ids = fixture.Tensor("input_ids");
        using var expectedTokens = fixture.Tensor("greedy_new_tokens");
        using var expectedStepLogits = fixture.Tensor("greedy_step_logits");
        using var _ = no_grad();
        int batch = (int)ids.shape[0], promptLength = (int)ids.shape[1], steps = (int)expectedTokens.shape[1];

        using var cache = model.CreateCache(batch, promptLength + steps);
        var stepLogits = new List<Tensor>();
        var tokens = new List<Tensor>();
        using (var logits = model.Forward(ids, cache, 0))
            stepLogits.Add(logits[.., -1].clone());
        for (int step = 0; step < steps; step++)
        {
            var next = stepLogits[^1].argmax(-1);                                  // (B)
            tokens.Add(next);
            if (step == steps - 1) break;
            using var input = next.unsqueeze(1);                                  // (B, 1)
            using var logits = model.Forward(input, cache, promptLength + step);
            stepLogits.Add(logits[.., -1].clone());
        }
        using var actualTokens = stack(tokens, 1).cpu();                          // (B, steps)
        using var actualLogits = stack(stepLogits, 1);                            // (B, steps, V)

        Assert.Equal(expectedTokens.data<long>().ToArray(), actualTokens.data<long>().ToArray());
        Assert.InRange(LlamaFixture.MaxAbsDiff(actualLogits, expectedStepLogits), 0, Tolerance);
        foreach (var t in stepLogits.Concat(tokens)) t.Dispose();
    }

    [Fact]
    public void Save_pretrained_then_from_pretrained_gives_the_same_logits()
    {
        var fixture = new LlamaFixture(LlamaFixture.Gqa);
        using var model = fixture.LoadModel();
        using var ids = fixture.Tensor("input_ids");
        var dir = Directory.CreateTempSubdirectory("llama-pretrained-");
        try
        {
            model.SavePretrained(dir.FullName);
            using var reloaded = LvmCloud.Vision.Transformer.LlamaForCausalLM.FromPretrained(dir.FullName, TestDevice.Device);
            using var _ = no_grad();
            using var expected = model.forward(ids);
            using var actual = reloaded.forward(ids);

            Assert.Equal(fixture.Config, reloaded.Config);
            Assert.Equal(0.0, LlamaFixture.MaxAbsDiff(actual, expected));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void Bfloat16_weights_give_logits_close_to_float32_and_float32_logits_out()
    {
        var fixture = new LlamaFixture(LlamaFixture.Gqa);
        using var model = LvmCloud.Vision.Transformer.LlamaForCausalLM.FromPretrained(fixture.Directory, TestDevice.Device, ScalarType.BFloat16);
        using var ids = fixture.Tensor("input_ids");
        using var expected = fixture.Tensor("logits");
        using var _ = no_grad();

        using var logits = model.forward(ids);

        Assert.Equal(ScalarType.BFloat16, model.DType);
        Assert.Equal(ScalarType.Float32, logits.dtype);
        Assert.InRange(LlamaFixture.MaxAbsDiff(logits, expected), 1e-4, 0.25); // bfloat16 rounding, not a different model
    }
}
