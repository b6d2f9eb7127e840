using System.Globalization;
using LvmCloud.Platform.Storage;
using LvmCloud.Platform.Training;

namespace LvmCloud.Platform.Tests.Access;

/// <summary>Batch and run ids are bearer-like names in URLs and blob paths: besides their time prefix, 128 random bits.</summary>
public sealed class IdentifierTests
{
    public static TheoryData<string, Func<DateTimeOffset, string>> NewIds => new()
    {
        { "batch", Identifiers.NewBatchId },
        { "run", TrainingIds.NewRunId },
    };

    [Theory]
    [MemberData(nameof(NewIds))]
    public void New_ids_made_in_the_same_instant_carry_128_independent_random_bits(string kind, Func<DateTimeOffset, string> newId)
    {
        var now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var ids = Enumerable.Range(0, 2000).Select(_ => newId(now)).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        var suffixes = ids.Select(id => id[(id.IndexOf('-', StringComparison.Ordinal) + 1)..]).ToList();
        Assert.All(suffixes, s => Assert.Matches("^[0-9a-f]{32}$", s));
        // Every one of the 128 bits is set in about half of the ids (a counter, a clock or a short random part is not).
        for (var bit = 0; bit < 128; bit++)
        {
            var set = suffixes.Count(s => (int.Parse(s[bit / 4].ToString(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) >> (3 - bit % 4) & 1) == 1);
            Assert.InRange(set, 850, 1150);
        }
        // And the ids stay valid names for their own rules (blob folders, table keys).
        Assert.All(ids, id => Assert.True(kind == "batch" ? Identifiers.IsValidBatchId(id) : TrainingIds.IsValidRunId(id), id));
    }
}
