using LvmCloud.Core.Images;

namespace LvmCloud.Core.Reports;

/// <summary>
/// One picture per item: the prompt frames in the first row, then one row per
/// candidate with its new frames, then (if given) a row with the target frames.
/// Every image is scaled by the same whole factor with nearest neighbour (pixels
/// stay sharp) and centred in a cell; cells are separated by white gutters.
/// </summary>
public static class ContactSheet
{
    public static RgbImage Compose(
        IReadOnlyList<RgbImage> prompt,
        IReadOnlyList<IReadOnlyList<RgbImage>> candidates,
        IReadOnlyList<RgbImage>? target = null,
        ContactSheetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(candidates);
        options ??= ContactSheetOptions.Default;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MinCellSize);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Gutter);

        var rows = new List<IReadOnlyList<RgbImage>> { prompt };
        rows.AddRange(candidates);
        if (target is { Count: > 0 })
        {
            rows.Add(target);
        }

        RgbImage[] all = [.. rows.SelectMany(r => r)];
        if (all.Length == 0)
        {
            throw new ArgumentException("A contact sheet needs at least one image (prompt, candidate or target).", nameof(prompt));
        }

        int maxWidth = all.Max(i => i.Width);
        int maxHeight = all.Max(i => i.Height);
        int scale = Math.Max(1, (int)Math.Ceiling(options.MinCellSize / (double)Math.Max(maxWidth, maxHeight)));
        int cellWidth = maxWidth * scale;
        int cellHeight = maxHeight * scale;
        int columns = Math.Max(1, rows.Max(r => r.Count));
        int gutter = options.Gutter;
        int sheetWidth = gutter + (columns * (cellWidth + gutter));
        int sheetHeight = gutter + (rows.Count * (cellHeight + gutter));
        RgbImage sheet = RgbImage.Filled(sheetWidth, sheetHeight, 1f, 1f, 1f);
        for (int r = 0; r < rows.Count; r++)
        {
            for (int c = 0; c < rows[r].Count; c++)
            {
                RgbImage image = rows[r][c];
                int left = gutter + (c * (cellWidth + gutter)) + ((cellWidth - (image.Width * scale)) / 2);
                int top = gutter + (r * (cellHeight + gutter)) + ((cellHeight - (image.Height * scale)) / 2);
                Blit(image, scale, sheet, left, top);
            }
        }

        return sheet;
    }

    /// <summary>Composes and writes the sheet as PNG.</summary>
    public static void Write(
        string path,
        IReadOnlyList<RgbImage> prompt,
        IReadOnlyList<IReadOnlyList<RgbImage>> candidates,
        IReadOnlyList<RgbImage>? target = null,
        ContactSheetOptions? options = null) =>
        ImageWriter.SavePng(Compose(prompt, candidates, target, options), path);

    private static void Blit(RgbImage image, int scale, RgbImage sheet, int left, int top)
    {
        for (int ch = 0; ch < RgbImage.Channels; ch++)
        {
            int sourcePlane = ch * image.PlaneSize;
            int sheetPlane = ch * sheet.PlaneSize;
            for (int y = 0; y < image.Height * scale; y++)
            {
                int sourceRow = sourcePlane + ((y / scale) * image.Width);
                int sheetRow = sheetPlane + ((top + y) * sheet.Width) + left;
                for (int x = 0; x < image.Width * scale; x++)
                {
                    sheet.Data[sheetRow + x] = image.Data[sourceRow + (x / scale)];
                }
            }
        }
    }
}
