namespace LvmCloud.Core.Images;

/// <summary>How an image of any shape becomes the square model input.</summary>
public enum ResizeMode
{
    /// <summary>LVM's behaviour: a plain bicubic resize to resolution x resolution, ignoring aspect ratio.</summary>
    Stretch,

    /// <summary>Crop the largest centred square, then bicubic resize to resolution x resolution.</summary>
    CenterCrop,
}
