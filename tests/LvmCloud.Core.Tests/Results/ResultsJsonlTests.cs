using LvmCloud.Core.Results;

namespace LvmCloud.Core.Tests.Results;

public sealed class ResultsJsonlTests
{
    private static readonly ResultRecord Succeeded = new(
        "cat-1",
        ResultStatus.Succeeded,
        null,
        null,
        ["items/cat-1/x.png", "items/cat-1/x-c1.png"],
        "items/cat-1/contact.png",
        new ResultTimings(1.5, 2, 30.25, 4, 38),
        7,
        12.5);

    [Fact]
    public void Writes_snake_case_fields_one_object_per_line()
    {
        string line = ResultsJsonl.Serialize(Succeeded);

        Assert.Equal(
            """{"id":"cat-1","status":"succeeded","error_code":null,"error":null,"outputs":["items/cat-1/x.png","items/cat-1/x-c1.png"],"contact_sheet":"items/cat-1/contact.png","timings":{"load_ms":1.5,"tokenize_ms":2,"generate_ms":30.25,"decode_ms":4,"total_ms":38},"seed":7,"perplexity":12.5}""",
            line);
    }

    [Fact]
    public void Round_trips_records_through_jsonl()
    {
        ResultRecord failed = ResultRecord.Failed("line-00003", "bad-json", "not valid JSON: ...");
        ResultRecord cancelled = new("c", ResultStatus.Cancelled, "cancelled", "stopped by user", [], null, null, 3, null);

        string jsonl = ResultsJsonl.ToJsonl([Succeeded, failed, cancelled]);
        IReadOnlyList<ResultRecord> back = ResultsJsonl.Read(jsonl);

        Assert.Equal(3, jsonl.Count(c => c == '\n'));
        Assert.Equal(3, back.Count);
        Assert.Equal(Succeeded with { Outputs = back[0].Outputs }, back[0]);
        Assert.Equal(Succeeded.Outputs, back[0].Outputs);
        Assert.Equal(failed with { Outputs = back[1].Outputs }, back[1]);
        Assert.Empty(back[1].Outputs);
        Assert.Equal(ResultStatus.Cancelled, back[2].Status);
        Assert.Contains("\"status\":\"failed\"", jsonl);
    }

    [Fact]
    public void Reader_names_the_bad_line()
    {
        string jsonl = ResultsJsonl.Serialize(Succeeded) + "\n{\"id\": \"x\", \"status\": \"exploded\"}\n";

        var ex = Assert.Throws<FormatException>(() => ResultsJsonl.Read(jsonl));

        Assert.Contains("line 2", ex.Message);
    }
}
