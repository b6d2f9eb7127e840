namespace LvmCloud.Core.Images;

/// <summary>
/// Pure image-to-image functions used to build visual sentences (pairs such as
/// (x, flip(x)), (mask(x), x), synthetic videos). Each returns a new image and
/// never changes its argument. Areas uncovered by a move are filled with 0 (black).
/// </summary>
public static class ImageTransforms
{
    /// <summary>Mirror left to right.</summary>
    public static RgbImage FlipHorizontal(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var result = new RgbImage(image.Width, image.Height);
        int w = image.Width;
        for (int row = 0; row < RgbImage.Channels * image.Height; row++)
        {
            int offset = row * w;
            for (int x = 0; x < w; x++)
            {
                result.Data[offset + x] = image.Data[offset + (w - 1 - x)];
            }
        }

        return result;
    }

    /// <summary><c>1 - v</c> for every value.</summary>
    public static RgbImage Invert(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var result = new RgbImage(image.Width, image.Height);
        for (int i = 0; i < image.Data.Length; i++)
        {
            result.Data[i] = 1f - image.Data[i];
        }

        return result;
    }

    /// <summary>
    /// Covers a centred square with grey (the inpainting prompt). The square's side is
    /// <c>round(fraction * min(W, H))</c>, its top-left corner at <c>((W - side) / 2, (H - side) / 2)</c>.
    /// </summary>
    public static RgbImage MaskCentre(RgbImage image, float fraction = 0.5f, float grey = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fraction);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fraction, 1f);
        RgbImage result = image.Clone();
        int side = Math.Max(1, (int)MathF.Round(fraction * Math.Min(image.Width, image.Height)));
        int left = (image.Width - side) / 2;
        int top = (image.Height - side) / 2;
        for (int c = 0; c < RgbImage.Channels; c++)
        {
            for (int y = top; y < top + side; y++)
            {
                Array.Fill(result.Data, grey, (c * image.PlaneSize) + (y * image.Width) + left, side);
            }
        }

        return result;
    }

    /// <summary>Moves the content by (dx, dy) pixels (right and down are positive); uncovered pixels become 0.</summary>
    public static RgbImage Translate(RgbImage image, int dx, int dy)
    {
        ArgumentNullException.ThrowIfNull(image);
        var result = new RgbImage(image.Width, image.Height);
        int w = image.Width;
        int h = image.Height;
        for (int c = 0; c < RgbImage.Channels; c++)
        {
            int plane = c * image.PlaneSize;
            for (int y = 0; y < h; y++)
            {
                int sourceY = y - dy;
                if ((uint)sourceY >= (uint)h)
                {
                    continue;
                }

                for (int x = 0; x < w; x++)
                {
                    int sourceX = x - dx;
                    if ((uint)sourceX < (uint)w)
                    {
                        result.Data[plane + (y * w) + x] = image.Data[plane + (sourceY * w) + sourceX];
                    }
                }
            }
        }

        return result;
    }

    /// <summary>Rotates clockwise by <paramref name="quarterTurns"/> * 90 degrees (any integer; negative turns counter-clockwise). Odd turns swap width and height.</summary>
    public static RgbImage Rotate90(RgbImage image, int quarterTurns)
    {
        ArgumentNullException.ThrowIfNull(image);
        int k = ((quarterTurns % 4) + 4) % 4;
        int w = image.Width;
        int h = image.Height;
        bool swap = k % 2 == 1;
        var result = new RgbImage(swap ? h : w, swap ? w : h);
        int outW = result.Width;
        for (int c = 0; c < RgbImage.Channels; c++)
        {
            int plane = c * image.PlaneSize;
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    (int ox, int oy) = k switch
                    {
                        0 => (x, y),
                        1 => (h - 1 - y, x),
                        2 => (w - 1 - x, h - 1 - y),
                        _ => (y, w - 1 - x),
                    };
                    result.Data[plane + (oy * outW) + ox] = image.Data[plane + (y * w) + x];
                }
            }
        }

        return result;
    }

    /// <summary>Rotates clockwise by <paramref name="degrees"/> about the image centre, bilinear sampling, 0 outside the source.</summary>
    public static RgbImage Rotate(RgbImage image, float degrees)
    {
        ArgumentNullException.ThrowIfNull(image);
        var result = new RgbImage(image.Width, image.Height);
        int w = image.Width;
        int h = image.Height;
        float radians = degrees * MathF.PI / 180f;
        float cos = MathF.Cos(radians);
        float sin = MathF.Sin(radians);
        float cx = (w - 1) / 2f;
        float cy = (h - 1) / 2f;
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                // Inverse mapping: where in the source does this output pixel come from (y axis points down).
                float sx = (cos * (x - cx)) + (sin * (y - cy)) + cx;
                float sy = (-sin * (x - cx)) + (cos * (y - cy)) + cy;
                for (int c = 0; c < RgbImage.Channels; c++)
                {
                    result.Data[(c * image.PlaneSize) + (y * w) + x] = Bilinear(image, c, sx, sy);
                }
            }
        }

        return result;
    }

    /// <summary>An annotation-style map: 1 where the mean of the channels exceeds <paramref name="level"/>, else 0.</summary>
    public static RgbImage Threshold(RgbImage image, float level = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(image);
        int plane = image.PlaneSize;
        var gray = new float[plane];
        for (int i = 0; i < plane; i++)
        {
            float mean = (image.Data[i] + image.Data[plane + i] + image.Data[(2 * plane) + i]) / 3f;
            gray[i] = mean > level ? 1f : 0f;
        }

        return RgbImage.FromGray(image.Width, image.Height, gray);
    }

    /// <summary>Colorization-style target: the grey level (channel mean) times the colour (r, g, b).</summary>
    public static RgbImage Tint(RgbImage image, float r, float g, float b)
    {
        ArgumentNullException.ThrowIfNull(image);
        int plane = image.PlaneSize;
        var result = new RgbImage(image.Width, image.Height);
        for (int i = 0; i < plane; i++)
        {
            float mean = (image.Data[i] + image.Data[plane + i] + image.Data[(2 * plane) + i]) / 3f;
            result.Data[i] = mean * r;
            result.Data[plane + i] = mean * g;
            result.Data[(2 * plane) + i] = mean * b;
        }

        return result;
    }

    private static float Bilinear(RgbImage image, int channel, float x, float y)
    {
        int x0 = (int)MathF.Floor(x);
        int y0 = (int)MathF.Floor(y);
        float fx = x - x0;
        float fy = y - y0;
        float top = Lerp(Sample(image, channel, x0, y0), Sample(image, channel, x0 + 1, y0), fx);
        float bottom = Lerp(Sample(image, channel, x0, y0 + 1), Sample(image, channel, x0 + 1, y0 + 1), fx);
        return Lerp(top, bottom, fy);
    }

    private static float Sample(RgbImage image, int channel, int x, int y) =>
        (uint)x < (uint)image.Width && (uint)y < (uint)image.Height
            ? image.Data[(channel * image.PlaneSize) + (y * image.Width) + x]
            : 0f;

    private static float Lerp(float a, float b, float t) => a + ((b - a) * t);
}
