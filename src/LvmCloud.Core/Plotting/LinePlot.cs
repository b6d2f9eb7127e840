using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace LvmCloud.Core.Plotting;

/// <summary>One curve of a plot.</summary>
public sealed record PlotSeries(string Name, IReadOnlyList<(double X, double Y)> Points, Rgb24 Color);

/// <summary>
/// Draws curves on a white PNG with axes, min/max tick labels and a legend, using plain pixels
/// (Bresenham lines and a 3x5 pixel font scaled x2) — enough for loss curves a person can read.
/// </summary>
public static class LinePlot
{
    public static readonly Rgb24[] Palette =
    [
        new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189), new(140, 86, 75),
        new(227, 119, 194), new(127, 127, 127), new(188, 189, 34), new(23, 190, 207),
    ];

    public static void SavePng(string path, string title, IReadOnlyList<PlotSeries> series, bool logY = false, int width = 800, int height = 480)
    {
        using var image = Render(title, series, logY, width, height);
        image.SaveAsPng(path);
    }

    public static Image<Rgb24> Render(string title, IReadOnlyList<PlotSeries> series, bool logY, int width, int height)
    {
        var image = new Image<Rgb24>(width, height, new Rgb24(255, 255, 255));
        const int left = 70, right = 20, top = 40, bottom = 40;
        var points = series.SelectMany(s => s.Points).Where(p => !logY || p.Y > 0).ToList();
        double Ty(double y) => logY ? Math.Log10(y) : y;
        double xMin = points.Count > 0 ? points.Min(p => p.X) : 0, xMax = points.Count > 0 ? points.Max(p => p.X) : 1;
        double yMin = points.Count > 0 ? points.Min(p => Ty(p.Y)) : 0, yMax = points.Count > 0 ? points.Max(p => Ty(p.Y)) : 1;
        if (xMax <= xMin) xMax = xMin + 1;
        if (yMax <= yMin) yMax = yMin + 1;
        double pad = (yMax - yMin) * 0.05; yMin -= pad; yMax += pad;
        int plotW = width - left - right, plotH = height - top - bottom;
        int Px(double x) => left + (int)Math.Round((x - xMin) / (xMax - xMin) * plotW);
        int Py(double y) => top + plotH - (int)Math.Round((Ty(y) - yMin) / (yMax - yMin) * plotH);

        var axis = new Rgb24(60, 60, 60);
        var grid = new Rgb24(225, 225, 225);
        for (int i = 0; i <= 4; i++)
        {
            int gy = top + plotH * i / 4;
            Line(image, left, gy, left + plotW, gy, grid);
            double v = yMax - (yMax - yMin) * i / 4;
            Text(image, Format(logY ? Math.Pow(10, v) : v), 4, gy - 5, axis);
        }
        Line(image, left, top, left, top + plotH, axis);
        Line(image, left, top + plotH, left + plotW, top + plotH, axis);
        Text(image, Format(xMin), left, top + plotH + 8, axis);
        string xMaxLabel = Format(xMax);
        Text(image, xMaxLabel, left + plotW - xMaxLabel.Length * 8, top + plotH + 8, axis);
        Text(image, "step", left + plotW / 2 - 16, top + plotH + 8, axis);
        Text(image, title, left, 12, axis);

        int legendX = left + plotW - 200, legendY = top + 8;
        foreach (var s in series)
        {
            var pts = s.Points.Where(p => !logY || p.Y > 0).OrderBy(p => p.X).ToList();
            for (int i = 1; i < pts.Count; i++)
                Line(image, Px(pts[i - 1].X), Py(pts[i - 1].Y), Px(pts[i].X), Py(pts[i].Y), s.Color);
            if (pts.Count == 1) Line(image, Px(pts[0].X) - 2, Py(pts[0].Y), Px(pts[0].X) + 2, Py(pts[0].Y), s.Color);
            Line(image, legendX, legendY + 5, legendX + 20, legendY + 5, s.Color);
            Line(image, legendX, legendY + 6, legendX + 20, legendY + 6, s.Color);
            Text(image, s.Name, legendX + 26, legendY, axis);
            legendY += 16;
        }
        return image;
    }

    private static string Format(double v) =>
        Math.Abs(v) >= 1000 || (Math.Abs(v) < 0.01 && v != 0) ? v.ToString("0.0e0", CultureInfo.InvariantCulture).Replace("e", "e") : v.ToString("0.###", CultureInfo.InvariantCulture);

    private static void Text(Image<Rgb24> image, string text, int x, int y, Rgb24 color, int scale = 2)
    {
        foreach (char c in text)
        {
            for (int gy = 0; gy < PixelFont.Height; gy++)
                for (int gx = 0; gx < PixelFont.Width; gx++)
                    if (PixelFont.Ink(c, gx, gy))
                        for (int sy = 0; sy < scale; sy++)
                            for (int sx = 0; sx < scale; sx++)
                                Set(image, x + gx * scale + sx, y + gy * scale + sy, color);
            x += (PixelFont.Width + 1) * scale;
        }
    }

    private static void Line(Image<Rgb24> image, int x0, int y0, int x1, int y1, Rgb24 color)
    {
        int dx = Math.Abs(x1 - x0), sx = x0 < x1 ? 1 : -1, dy = -Math.Abs(y1 - y0), sy = y0 < y1 ? 1 : -1, err = dx + dy;
        while (true)
        {
            Set(image, x0, y0, color);
            if (x0 == x1 && y0 == y1) break;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }

    private static void Set(Image<Rgb24> image, int x, int y, Rgb24 color)
    {
        if (x >= 0 && y >= 0 && x < image.Width && y < image.Height) image[x, y] = color;
    }
}
