namespace LvmCloud.Vision.Pipelines;

/// <summary>
/// The new frames of a <see cref="VisualPrompter.Generate"/> call: for every prompt, every candidate, every new frame,
/// one row of <c>TokensPerImage</c> codes.
/// </summary>
public sealed class GeneratedFrames
{
    private readonly long[][] _codes; // prompt-major, then candidate, then frame

    /// <param name="prompts">Prompts generated for.</param>
    /// <param name="candidates">Candidates per prompt.</param>
    /// <param name="frames">New frames per candidate.</param>
    /// <param name="codes">prompts × candidates × frames code rows: prompt-major, then candidate, then frame.</param>
    public GeneratedFrames(int prompts, int candidates, int frames, IReadOnlyList<long[]> codes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(prompts);
        ArgumentOutOfRangeException.ThrowIfNegative(candidates);
        ArgumentOutOfRangeException.ThrowIfNegative(frames);
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.Count != prompts * candidates * frames)
            throw new ArgumentException($"{prompts} prompts × {candidates} candidates × {frames} frames need {prompts * candidates * frames} code rows, got {codes.Count}.", nameof(codes));
        Prompts = prompts;
        Candidates = candidates;
        Frames = frames;
        _codes = [.. codes];
    }

    /// <summary>No prompts, nothing generated.</summary>
    public static GeneratedFrames Empty { get; } = new(0, 0, 0, []);

    public int Prompts { get; }
    public int Candidates { get; }

    /// <summary>New frames per candidate.</summary>
    public int Frames { get; }

    /// <summary>The codes of new frame <paramref name="frame"/> of candidate <paramref name="candidate"/> of prompt <paramref name="prompt"/>.</summary>
    public long[] Frame(int prompt, int candidate, int frame)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(prompt);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(prompt, Prompts);
        ArgumentOutOfRangeException.ThrowIfNegative(candidate);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(candidate, Candidates);
        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(frame, Frames);
        return _codes[(prompt * Candidates + candidate) * Frames + frame];
    }

    /// <summary>Every new frame of prompt <paramref name="prompt"/>, candidate-major (candidate 0's frames first).</summary>
    public IReadOnlyList<long[]> OfPrompt(int prompt)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(prompt);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(prompt, Prompts);
        int perPrompt = Candidates * Frames;
        return new ArraySegment<long[]>(_codes, prompt * perPrompt, perPrompt);
    }
}
