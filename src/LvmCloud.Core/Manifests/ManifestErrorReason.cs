namespace LvmCloud.Core.Manifests;

/// <summary>Machine-readable reasons for <see cref="InvalidLine.Reason"/> (path problems use <see cref="Paths.PathProblem.Reason"/>).</summary>
public static class ManifestErrorReason
{
    public const string BadJson = "bad-json";
    public const string NotAnObject = "not-an-object";
    public const string LineTooLong = "line-too-long";
    public const string UnknownField = "unknown-field";
    public const string DuplicateField = "duplicate-field";
    public const string WrongType = "wrong-type";
    public const string OutOfRange = "out-of-range";
    public const string MissingInput = "missing-input";
    public const string BadId = "bad-id";
    public const string DuplicateId = "duplicate-id";
    public const string DuplicateOutput = "duplicate-output";
    public const string BadOutput = "bad-output";
    public const string TooManyFrames = "too-many-frames";
    public const string TooManyCandidates = "too-many-candidates";
    public const string TooManyItems = "too-many-items";
    public const string MisplacedDefaults = "misplaced-defaults";
    public const string BadDefaults = "bad-defaults";
    public const string ManifestTooLarge = "manifest-too-large";
}
