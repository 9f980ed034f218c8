namespace StreamHub.Media.Aac;

/// <summary>The start of an AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1), the payload of an FLV AAC sequence header.
/// <code>
/// audioObjectType:5 [31 -> 6 more bits: 32 + value] | samplingFrequencyIndex:4 [15 -> samplingFrequency:24] | channelConfiguration:4 | ...
/// </code>
/// For SBR/PS (object types 5 and 29) the fields above describe the core AAC layer, which is what ADTS carries.</summary>
public readonly record struct AudioSpecificConfig(int ObjectType, int FrequencyIndex, int SampleRate, int ChannelConfiguration)
{
    /// <summary>Sampling rates by samplingFrequencyIndex 0..12.</summary>
    public static ReadOnlySpan<int> SampleRates => [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

    public const int ExplicitFrequencyIndex = 15;

    /// <summary>The ADTS profile (object type − 1 must fit in 2 bits): object types 1–4 as they are; SBR/PS and
    /// anything else is signalled as LC, with the extension implicit (declare <c>mp4a.40.2</c>).</summary>
    public int AdtsObjectType => ObjectType is >= 1 and <= 4 ? ObjectType : 2;

    /// <summary>The ADTS sampling_frequency_index: the index as given, or for an explicit rate the index of the
    /// nearest standard rate.</summary>
    public int AdtsFrequencyIndex
    {
        get
        {
            if (FrequencyIndex < SampleRates.Length)
            {
                return FrequencyIndex;
            }
            var best = 0;
            for (var i = 1; i < SampleRates.Length; i++)
            {
                if (Math.Abs(SampleRates[i] - SampleRate) < Math.Abs(SampleRates[best] - SampleRate))
                {
                    best = i;
                }
            }
            return best;
        }
    }

    /// <summary>Samples per channel in one AAC frame (1024 for the object types ADTS carries).</summary>
    public const int SamplesPerFrame = 1024;

    /// <summary>Parses the leading fields. False when the config is truncated, the frequency index is reserved
    /// (13, 14), the explicit rate is 0, or the object type is 0.</summary>
    public static bool TryParse(ReadOnlySpan<byte> config, out AudioSpecificConfig value)
    {
        value = default;
        var reader = new BitReader(config);
        if (!reader.TryRead(5, out var objectType))
        {
            return false;
        }
        if (objectType == 31)
        {
            if (!reader.TryRead(6, out var extended))
            {
                return false;
            }
            objectType = 32 + extended;
        }
        if (objectType == 0 || !reader.TryRead(4, out var frequencyIndex))
        {
            return false;
        }
        int sampleRate;
        if (frequencyIndex == ExplicitFrequencyIndex)
        {
            if (!reader.TryRead(24, out sampleRate) || sampleRate == 0)
            {
                return false;
            }
        }
        else if (frequencyIndex < SampleRates.Length)
        {
            sampleRate = SampleRates[frequencyIndex];
        }
        else
        {
            return false;
        }
        if (!reader.TryRead(4, out var channels))
        {
            return false;
        }
        value = new AudioSpecificConfig(objectType, frequencyIndex, sampleRate, channels);
        return true;
    }

    private ref struct BitReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _bit;

        public bool TryRead(int count, out int value)
        {
            value = 0;
            if (_bit + count > _data.Length * 8)
            {
                return false;
            }
            for (var i = 0; i < count; i++, _bit++)
            {
                value = (value << 1) | ((_data[_bit >> 3] >> (7 - (_bit & 7))) & 1);
            }
            return true;
        }
    }
}
