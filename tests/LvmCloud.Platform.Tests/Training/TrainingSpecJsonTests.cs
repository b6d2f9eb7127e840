using System.Text.Json.Nodes;
using LvmCloud.Platform.Batches;
using LvmCloud.Platform.Queues;
using LvmCloud.Platform.Requests;
using LvmCloud.Platform.Tests.Infrastructure;
using LvmCloud.Platform.Training;

namespace LvmCloud.Platform.Tests.Training;

/// <summary>
/// run.json as a user writes it: every problem of its fields and values in one answer, each once with its JSON path,
/// in the user's terms (no .NET type names, no System.Text.Json positions).
/// </summary>
public sealed class TrainingSpecJsonTests
{
    private const string RunId = "run-1";

    /// <summary>A spec with no problem as written (storage is not looked at here).</summary>
    private static JsonObject Valid() => JsonNode.Parse(TrainingRunSpecJson.Write(TrainingTestData.Spec(
        ["tokens/ds/tiny/shard-00000.bin"], null, new ModelReference("out", "1"), rounds: 2, shards: 1, innerSteps: 4, checkpointEvery: 2)))!.AsObject();

    private static List<string> Problems(JsonObject spec) => TrainingRunSpecJson.Read(spec.ToJsonString()).Problems(RunId);

    [Fact]
    public void A_valid_spec_has_no_problem_and_reads_back_as_written()
    {
        var text = Valid().ToJsonString();
        Assert.Empty(TrainingRunSpecJson.Read(text).Problems(RunId));
        Assert.Equal(TrainingRunSpecJson.Write(TrainingRunSpecJson.Parse(text)), TrainingRunSpecJson.Write(TrainingRunSpecJson.Parse(TrainingRunSpecJson.Write(TrainingRunSpecJson.Parse(text)))));
    }

    [Fact]
    public void A_misspelt_field_is_named_with_its_path_and_the_field_it_was_meant_to_be()
    {
        var spec = Valid();
        spec["innerStep"] = spec["innerSteps"]!.DeepClone();
        spec.Remove("innerSteps");
        ((JsonObject)spec["inner"]!)["learningRat"] = 0.01;

        var problems = Problems(spec);

        Assert.Contains("innerStep is not a known field (did you mean innerSteps?)", problems);
        Assert.Contains("inner.learningRat is not a known field (did you mean inner.learningRate?)", problems);
        Assert.Contains($"innerSteps must be between 1 and {TrainingLimits.MaxInnerSteps}, got 0", problems);
        Assert.All(problems, p => Assert.DoesNotContain("LvmCloud", p));
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_named_with_what_it_must_be_and_what_it_is_and_its_default_is_not_reported()
    {
        var spec = Valid();
        ((JsonObject)spec["inner"]!)["learningRate"] = "NaN";
        ((JsonObject)spec["inner"]!)["endLearningRate"] = 1e-4;

        var problems = Problems(spec);

        Assert.Equal(["inner.learningRate must be a number, got string \"NaN\""], problems);
        var message = Assert.Throws<BadRequestException>(() => TrainingRunSpecJson.Parse(spec.ToJsonString())).Message;
        Assert.Equal("run.json has a problem: inner.learningRate must be a number, got string \"NaN\".", message);
    }

    [Fact]
    public void Two_unknown_fields_and_a_range_error_are_all_in_one_answer()
    {
        var spec = Valid();
        spec["evil"] = 1;
        spec["alsoEvil"] = new JsonObject();
        spec["rounds"] = 0;

        var problems = Problems(spec);

        Assert.Equal(3, problems.Count);
        Assert.StartsWith("evil is not a known field (run.json has: runId, base, data, rounds", problems[0]);
        Assert.StartsWith("alsoEvil is not a known field", problems[1]);
        Assert.StartsWith("rounds must be between 1 and", problems[2]);
        var described = TrainingRunService.Describe(problems);
        Assert.StartsWith("run.json has 3 problems: (1) evil is not a known field", described);
        Assert.DoesNotContain("..", described);
    }

    [Fact]
    public void A_bad_outer_compression_names_the_allowed_values_in_the_one_answer_with_the_other_problems()
    {
        var spec = Valid();
        spec["outer"] = new JsonObject { ["compression"] = "int2" };
        spec["rounds"] = 0;

        var problems = Problems(spec);

        Assert.Equal(2, problems.Count);
        Assert.Contains("outer.compression must be one of \"none\", \"int8\", \"int4\", got \"int2\"", problems);
        var described = TrainingRunService.Describe(problems);
        Assert.StartsWith("run.json has 2 problems: (1) rounds must be between 1 and", described);
        Assert.Contains("(2) outer.compression must be one of \"none\", \"int8\", \"int4\", got \"int2\"", described);
    }

    [Fact]
    public void Outer_compression_defaults_to_none_and_a_spec_without_it_is_written_as_before()
    {
        var spec = Valid();
        Assert.DoesNotContain("compression", spec.ToJsonString());
        Assert.Equal("none", TrainingRunSpecJson.Parse(spec.ToJsonString()).OuterOrDefault.CompressionOrDefault);
        Assert.False(TrainingRunSpecJson.Parse(spec.ToJsonString()).OuterOrDefault.Compressed);

        spec["outer"] = new JsonObject { ["compression"] = "int4" };
        Assert.Empty(Problems(spec));
        var parsed = TrainingRunSpecJson.Parse(spec.ToJsonString());
        Assert.Equal("int4", parsed.OuterOrDefault.CompressionOrDefault);
        Assert.Equal(0.7, parsed.OuterOrDefault.LearningRate);
        Assert.Contains("\"compression\": \"int4\"", TrainingRunSpecJson.Write(parsed));
        Assert.DoesNotContain("compressionOrDefault", TrainingRunSpecJson.Write(parsed), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("rounds", "\"2\"", "rounds must be a whole number, got string \"2\"")]
    [InlineData("rounds", "1.5", "rounds must be a whole number between")]
    [InlineData("seed", "null", "seed must be a whole number, got null")]
    [InlineData("base", "\"tiny/1\"", "base must be an object, got string \"tiny/1\"")]
    [InlineData("data", "{\"train\": [\"tokens/a.bin\", 7]}", "data.train[1] must be a string, got number 7")]
    [InlineData("outer", "{\"nesterov\": \"yes\"}", "outer.nesterov must be true or false, got string \"yes\"")]
    [InlineData("outer", "{\"compression\": 8}", "outer.compression must be a string, got number 8")]
    public void Each_kind_of_wrong_type_names_the_path_the_type_it_must_have_and_the_value(string field, string json, string expected)
    {
        var spec = Valid();
        spec[field] = JsonNode.Parse(json);

        var problem = Assert.Single(Problems(spec));

        Assert.StartsWith(expected, problem);
    }

    [Fact]
    public void A_field_given_twice_is_a_problem()
    {
        var text = Valid().ToJsonString().Replace("\"rounds\":2", "\"rounds\":2,\"Rounds\":3");

        Assert.Equal(["rounds is given twice"], TrainingRunSpecJson.Read(text).Problems(RunId));
    }

    [Fact]
    public void Text_that_is_not_json_is_named_with_its_line_and_without_the_reader_s_position_tail()
    {
        var message = Assert.Throws<BadRequestException>(() => TrainingRunSpecJson.Read("{\n  \"rounds\": 2,\n  \"seed\": x\n}")).Message;

        Assert.StartsWith("run.json is not valid JSON (line 3): ", message);
        Assert.DoesNotContain("LineNumber", message);
        Assert.DoesNotContain("BytePositionInLine", message);
    }

    [Fact]
    public void A_byte_order_mark_before_the_object_is_ignored()
    {
        var text = "\uFEFF" + Valid().ToJsonString();

        Assert.Empty(TrainingRunSpecJson.Read(text).Problems(RunId));
    }
}
