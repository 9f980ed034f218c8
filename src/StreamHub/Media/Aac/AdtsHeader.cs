namespace StreamHub.Media.Aac;

/// <summary>The 7-byte ADTS header without CRC (ISO/IEC 13818-7 §6.2) put in front of each raw AAC frame for
/// MPEG-TS (stream_type 0x0F).
/// <code>
/// syncword:12 (FFF) | id:1 (0 = MPEG-4) | layer:2 (0) | protection_absent:1 (1) | profile:2 (aot−1) | sf_index:4 |
/// private:1 | channel_config:3 | original:1 | home:1 | copyright_id:2 | frame_length:13 (7 + payload) |
/// buffer_fullness:11 (7FF, VBR) | raw_data_blocks−1:2 (0)
/// </code></summary>
public static class AdtsHeader
{
    public const int Length = 7;

    /// <summary>The largest raw frame an ADTS header can describe (frame_length is 13 bits).</summary>
    public const int MaxPayloadLength = 0x1FFF - Length;

    /// <summary>Writes the header for a raw frame of <paramref name="payloadLength"/> bytes into the first 7 bytes of
    /// <paramref name="destination"/>.</summary>
    public static void Write(Span<byte> destination, in AudioSpecificConfig config, int payloadLength)
    {
        if ((uint)payloadLength > MaxPayloadLength)
        {
            throw new ArgumentOutOfRangeException(nameof(payloadLength), payloadLength, $"An ADTS frame holds at most {MaxPayloadLength} bytes.");
        }
        var frameLength = Length + payloadLength;
        var profile = config.AdtsObjectType - 1;
        var frequencyIndex = config.AdtsFrequencyIndex;
        var channels = config.ChannelConfiguration & 0x07;
        destination = destination[..Length];
        destination[0] = 0xFF;
        destination[1] = 0xF1;
        destination[2] = (byte)((profile << 6) | (frequencyIndex << 2) | (channels >> 2));
        destination[3] = (byte)(((channels & 0x03) << 6) | (frameLength >> 11));
        destination[4] = (byte)((frameLength >> 3) & 0xFF);
        destination[5] = (byte)(((frameLength & 0x07) << 5) | 0x1F);
        destination[6] = 0xFC;
    }
}
