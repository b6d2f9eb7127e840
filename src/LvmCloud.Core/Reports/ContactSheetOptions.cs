namespace LvmCloud.Core.Reports;

/// <summary>Layout of a contact sheet.</summary>
/// <param name="MinCellSize">Images are scaled up by a whole factor (nearest neighbour) until the largest reaches at least this many pixels, so 32 px model images stay visible.</param>
/// <param name="Gutter">White space between cells and around the edge, in pixels.</param>
public sealed record ContactSheetOptions(int MinCellSize = 128, int Gutter = 4)
{
    public static ContactSheetOptions Default { get; } = new();
}
