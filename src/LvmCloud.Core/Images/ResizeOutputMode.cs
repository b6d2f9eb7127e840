namespace LvmCloud.Core.Images;

/// <summary>Size of the images written for generated frames.</summary>
public enum ResizeOutputMode
{
    /// <summary>Keep the model resolution.</summary>
    Model,

    /// <summary>Resize (bicubic) back to the size of the item's first input image.</summary>
    Original,
}
