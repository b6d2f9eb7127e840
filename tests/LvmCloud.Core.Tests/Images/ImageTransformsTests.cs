using LvmCloud.Core.Images;

namespace LvmCloud.Core.Tests.Images;

public sealed class ImageTransformsTests
{
    // 3x2 grey image with distinct values, row-major: [1 2 3; 4 5 6] / 10
    private static RgbImage Sample() => RgbImage.FromGray(3, 2, [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f]);

    private static float[] Plane(RgbImage image, int channel = 0) =>
        image.Data.AsSpan(channel * image.PlaneSize, image.PlaneSize).ToArray();

    [Fact]
    public void Flip_mirrors_each_row()
    {
        Assert.Equal([0.3f, 0.2f, 0.1f, 0.6f, 0.5f, 0.4f], Plane(ImageTransforms.FlipHorizontal(Sample()), 2));
    }

    [Fact]
    public void Invert_is_one_minus_value_and_leaves_the_argument_alone()
    {
        RgbImage source = Sample();
        float[] before = (float[])source.Data.Clone();

        RgbImage inverted = ImageTransforms.Invert(source);

        Assert.Equal(before.Select(v => 1f - v), inverted.Data);
        Assert.Equal(before, source.Data);
    }

    [Fact]
    public void Mask_covers_a_centred_grey_square()
    {
        RgbImage source = RgbImage.Filled(8, 8, 1f, 0f, 0f);

        RgbImage masked = ImageTransforms.MaskCentre(source);

        // side = 4, from (2, 2) to (5, 5)
        Assert.Equal(0.5f, masked[0, 2, 2]);
        Assert.Equal(0.5f, masked[1, 5, 5]);
        Assert.Equal(1f, masked[0, 1, 2]);
        Assert.Equal(0f, masked[1, 6, 5]);
        Assert.Equal(16, Enumerable.Range(0, 64).Count(i => masked.Data[64 + i] == 0.5f));
    }

    [Fact]
    public void Translate_moves_content_and_fills_with_zero()
    {
        RgbImage moved = ImageTransforms.Translate(Sample(), 1, 1);

        Assert.Equal([0f, 0f, 0f, 0f, 0.1f, 0.2f], Plane(moved));
    }

    [Fact]
    public void Translate_left_and_up_works_too()
    {
        Assert.Equal([0.5f, 0.6f, 0f, 0f, 0f, 0f], Plane(ImageTransforms.Translate(Sample(), -1, -1)));
    }

    [Fact]
    public void Rotate90_clockwise_swaps_dimensions()
    {
        RgbImage rotated = ImageTransforms.Rotate90(Sample(), 1);

        // [1 2 3; 4 5 6] clockwise -> [4 1; 5 2; 6 3]
        Assert.Equal((2, 3), (rotated.Width, rotated.Height));
        Assert.Equal([0.4f, 0.1f, 0.5f, 0.2f, 0.6f, 0.3f], Plane(rotated));
    }

    [Fact]
    public void Rotate90_turns_compose()
    {
        RgbImage source = Sample();

        Assert.Equal(source.Data, ImageTransforms.Rotate90(source, 4).Data);
        Assert.Equal(ImageTransforms.Rotate90(source, 3).Data, ImageTransforms.Rotate90(source, -1).Data);
        Assert.Equal(
            ImageTransforms.Rotate90(source, 2).Data,
            ImageTransforms.Rotate90(ImageTransforms.Rotate90(source, 1), 1).Data);
    }

    [Fact]
    public void Small_angle_rotation_by_90_matches_quarter_turn_on_a_square()
    {
        var source = RgbImage.FromGray(5, 5, [.. Enumerable.Range(0, 25).Select(i => i / 25f)]);

        RgbImage byAngle = ImageTransforms.Rotate(source, 90f);
        RgbImage byTurn = ImageTransforms.Rotate90(source, 1);

        for (int i = 0; i < byTurn.Data.Length; i++)
        {
            Assert.Equal(byTurn.Data[i], byAngle.Data[i], 1e-4f);
        }
    }

    [Fact]
    public void Rotation_by_zero_is_identity_and_small_angles_change_pixels()
    {
        var source = RgbImage.FromGray(5, 5, [.. Enumerable.Range(0, 25).Select(i => i / 25f)]);

        Assert.Equal(source.Data, ImageTransforms.Rotate(source, 0f).Data);
        Assert.NotEqual(source.Data, ImageTransforms.Rotate(source, 15f).Data);
    }

    [Fact]
    public void Threshold_gives_a_binary_map()
    {
        Assert.Equal([0f, 0f, 0f, 0f, 0f, 1f], Plane(ImageTransforms.Threshold(Sample())));
    }

    [Fact]
    public void Tint_scales_grey_by_the_colour()
    {
        RgbImage tinted = ImageTransforms.Tint(Sample(), 1f, 0.5f, 0f);

        Assert.Equal(0.6f, tinted[0, 1, 2]);
        Assert.Equal(0.3f, tinted[1, 1, 2]);
        Assert.Equal(0f, tinted[2, 1, 2]);
    }
}
