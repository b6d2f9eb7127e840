namespace LvmCloud.Platform.Training;

/// <summary>
/// <c>run.json</c> as read: the spec (fields with a problem left at their defaults) and the problems of its fields.
/// </summary>
public sealed record TrainingRunSpecReading(TrainingRunSpec Spec, IReadOnlyList<SpecProblem> FieldProblems)
{
    /// <summary>
    /// Every problem of the spec as written, in one list: the fields' problems, then the spec's own checks except those
    /// about a field that already has a problem (a mistyped <c>inner.learningRate</c> is not also reported at its default).
    /// </summary>
    public List<string> Problems(string runId) =>
    [
        .. FieldProblems.Select(p => p.Message),
        .. Spec.Validate(runId).Where(problem => !FieldProblems.Any(p => IsAbout(problem, p.Path))),
    ];

    /// <summary>Whether <paramref name="problem"/> is about the field at <paramref name="path"/> or something inside it.</summary>
    private static bool IsAbout(string problem, string path) =>
        problem.StartsWith(path, StringComparison.Ordinal)
        && (problem.Length == path.Length || problem[path.Length] is ' ' or '.' or ':' or '[');
}
