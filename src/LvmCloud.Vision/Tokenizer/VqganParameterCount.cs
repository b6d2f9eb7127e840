namespace LvmCloud.Vision.Tokenizer;

/// <summary>Counts a <see cref="VqganModel"/>'s parameters from its config alone, without building it.</summary>
public static class VqganParameterCount
{
    public static long Of(VqganConfig config)
    {
        config.Validate();
        long hidden = config.HiddenChannels;
        var mult = config.ChannelMult;
        var last = config.NumResolutions - 1;

        long encoder = Conv(config.NumChannels, hidden, 3);
        var levelResolution = config.Resolution;
        for (var level = 0; level <= last; level++)
        {
            var blockIn = hidden * (level == 0 ? 1 : mult[level - 1]);
            var blockOut = hidden * mult[level];
            encoder += Level(config, blockIn, blockOut, config.NumResBlocks, levelResolution);
            if (level != last)
            {
                encoder += Resample(config, blockOut);
                levelResolution /= 2;
            }
        }
        var top = hidden * mult[last];
        encoder += Mid(config, top) + GroupNorm(top) + Conv(top, config.ZChannels, 3);

        long decoder = Conv(config.ZChannels, top, 3) + Mid(config, top);
        levelResolution = config.Resolution / config.Downsampling;
        for (var level = last; level >= 0; level--)
        {
            var blockIn = hidden * mult[level == last ? last : level + 1];
            var blockOut = hidden * mult[level];
            decoder += Level(config, blockIn, blockOut, config.NumResBlocks + 1, levelResolution);
            if (level != 0)
            {
                decoder += Resample(config, blockOut);
                levelResolution *= 2;
            }
        }
        decoder += GroupNorm(hidden * mult[0]) + Conv(hidden * mult[0], config.NumChannels, 3);

        long quantizer = (long)config.NumEmbeddings * config.QuantizedEmbedDim
            + Conv(config.ZChannels, config.QuantizedEmbedDim, 1)
            + Conv(config.QuantizedEmbedDim, config.ZChannels, 1);
        return encoder + decoder + quantizer;
    }

    private static long Conv(long inChannels, long outChannels, long kernel) => outChannels * inChannels * kernel * kernel + outChannels;

    private static long GroupNorm(long channels) => 2 * channels;

    private static long Resnet(long inChannels, long outChannels) =>
        GroupNorm(inChannels) + Conv(inChannels, outChannels, 3) + GroupNorm(outChannels) + Conv(outChannels, outChannels, 3)
        + (inChannels != outChannels ? Conv(inChannels, outChannels, 1) : 0);

    private static long Attention(long channels) => GroupNorm(channels) + 4 * Conv(channels, channels, 1);

    private static long Mid(VqganConfig config, long channels) =>
        2 * Resnet(channels, channels) + (config.NoAttnMidBlock ? 0 : Attention(channels));

    private static long Resample(VqganConfig config, long channels) => config.ResampleWithConv ? Conv(channels, channels, 3) : 0;

    private static long Level(VqganConfig config, long blockIn, long blockOut, int blocks, int levelResolution)
    {
        var hasAttention = config.AttnResolutions.Contains(levelResolution);
        var total = 0L;
        for (var j = 0; j < blocks; j++)
        {
            total += Resnet(blockIn, blockOut) + (hasAttention ? Attention(blockOut) : 0);
            blockIn = blockOut;
        }
        return total;
    }
}
