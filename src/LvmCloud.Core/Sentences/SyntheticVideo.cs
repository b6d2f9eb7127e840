using LvmCloud.Core.Images;

namespace LvmCloud.Core.Sentences;

/// <summary>
/// Seeded "videos" made from one still image: frame t is the image translated by
/// t * (vx, vy) or rotated by t * step degrees. The seed picks the velocity
/// (each component in [-max, max] pixels per frame, not both zero) or the step
/// (+/- 5..20 degrees per frame). Frame 0 is the image itself.
/// </summary>
public static class SyntheticVideo
{
    public static IReadOnlyList<RgbImage> Generate(RgbImage image, int frames, VideoMotion motion, long seed)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frames);
        var random = new DeterministicRandom(seed);
        var result = new List<RgbImage>(frames);
        switch (motion)
        {
            case VideoMotion.Translate:
                int max = Math.Max(1, Math.Min(image.Width, image.Height) / 14);
                int vx;
                int vy;
                do
                {
                    vx = random.Next(-max, max + 1);
                    vy = random.Next(-max, max + 1);
                }
                while (vx == 0 && vy == 0);

                for (int t = 0; t < frames; t++)
                {
                    result.Add(ImageTransforms.Translate(image, vx * t, vy * t));
                }

                break;
            case VideoMotion.Rotate:
                float step = random.Next(5, 21) * (random.Next(2) == 0 ? -1f : 1f);
                for (int t = 0; t < frames; t++)
                {
                    result.Add(t == 0 ? image.Clone() : ImageTransforms.Rotate(image, step * t));
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(motion), motion, "Unknown video motion.");
        }

        return result;
    }
}
