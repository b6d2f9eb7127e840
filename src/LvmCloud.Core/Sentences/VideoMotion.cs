namespace LvmCloud.Core.Sentences;

/// <summary>How a synthetic video moves its image from frame to frame.</summary>
public enum VideoMotion
{
    /// <summary>Constant velocity, a few pixels per frame.</summary>
    Translate,

    /// <summary>Constant angular step about the centre.</summary>
    Rotate,
}
