using LvmCloud.Core.Images;
using LvmCloud.Core.Reports;

namespace LvmCloud.Core.Tests.Reports;

public sealed class ContactSheetTests
{
    private static readonly RgbImage Red = RgbImage.Filled(32, 32, 1f, 0f, 0f);
    private static readonly RgbImage Green = RgbImage.Filled(32, 32, 0f, 1f, 0f);
    private static readonly RgbImage Blue = RgbImage.Filled(32, 32, 0f, 0f, 1f);

    [Fact]
    public void Lays_out_prompt_row_then_one_row_per_candidate()
    {
        RgbImage sheet = ContactSheet.Compose([Red, Red, Red], [[Green], [Blue, Blue]]);

        // 32 px scaled by 4 -> 128 px cells, 4 px gutters: 3 columns, 3 rows.
        Assert.Equal(4 + (3 * 132), sheet.Width);
        Assert.Equal(4 + (3 * 132), sheet.Height);
        Assert.Equal(Colour(Red), ColourAt(sheet, 4 + 64, 4 + 64));
        Assert.Equal(Colour(Red), ColourAt(sheet, 4 + (2 * 132) + 127, 4 + 127));
        Assert.Equal(Colour(Green), ColourAt(sheet, 4, 136));
        Assert.Equal(Colour(Blue), ColourAt(sheet, 136 + 127, 268 + 127));
        Assert.Equal(Colour(Blue), ColourAt(sheet, 4, 268));
    }

    [Fact]
    public void Gutters_and_empty_cells_are_white()
    {
        RgbImage sheet = ContactSheet.Compose([Red, Red], [[Green]]);

        float[] white = [1f, 1f, 1f];
        Assert.Equal(white, ColourAt(sheet, 0, 0));
        Assert.Equal(white, ColourAt(sheet, 133, 50)); // vertical gutter between columns
        Assert.Equal(white, ColourAt(sheet, 50, 133)); // horizontal gutter between rows
        Assert.Equal(white, ColourAt(sheet, 136 + 60, 136 + 60)); // candidate row has one frame only
    }

    [Fact]
    public void Scales_up_with_nearest_neighbour_keeping_pixels_sharp()
    {
        var checker = RgbImage.FromGray(2, 2, [0f, 1f, 1f, 0f]);

        RgbImage sheet = ContactSheet.Compose([checker], [], options: new ContactSheetOptions(MinCellSize: 8, Gutter: 0));

        Assert.Equal((8, 8), (sheet.Width, sheet.Height));
        float[] expectedRow0 = [0f, 0f, 0f, 0f, 1f, 1f, 1f, 1f];
        Assert.Equal(expectedRow0, sheet.Data.AsSpan(0, 8).ToArray());
        Assert.Equal(expectedRow0, sheet.Data.AsSpan(3 * 8, 8).ToArray());
        Assert.Equal([1f, 1f, 1f, 1f, 0f, 0f, 0f, 0f], sheet.Data.AsSpan(4 * 8, 8).ToArray());
    }

    [Fact]
    public void Target_row_comes_last()
    {
        RgbImage sheet = ContactSheet.Compose([Red], [[Green]], target: [Blue]);

        Assert.Equal(4 + (3 * 132), sheet.Height);
        Assert.Equal(Colour(Blue), ColourAt(sheet, 60, 268 + 60));
    }

    [Fact]
    public void Large_images_are_not_scaled()
    {
        RgbImage big = RgbImage.Filled(200, 150, 0.5f, 0.5f, 0.5f);

        RgbImage sheet = ContactSheet.Compose([big], [[big]], options: new ContactSheetOptions(Gutter: 2));

        Assert.Equal((2 + 202, 2 + (2 * 152)), (sheet.Width, sheet.Height));
    }

    [Fact]
    public void Writes_a_png_that_loads_back()
    {
        using var dir = new TempDir();
        string path = dir.File("sheet.png");

        ContactSheet.Write(path, [Red], [[Blue]]);

        RgbImage back = ImageLoader.Load(path, ImageLimits.Default);
        Assert.Equal((132 + 4, 264 + 4), (back.Width, back.Height));
        Assert.Equal(Colour(Blue), ColourAt(back, 70, 200));
    }

    [Fact]
    public void Empty_sheet_is_refused()
    {
        Assert.Throws<ArgumentException>(() => ContactSheet.Compose([], []));
    }

    private static float[] Colour(RgbImage solid) => [solid.Data[0], solid.Data[solid.PlaneSize], solid.Data[2 * solid.PlaneSize]];

    private static float[] ColourAt(RgbImage image, int x, int y) => [image[0, y, x], image[1, y, x], image[2, y, x]];
}
