using System.Buffers;

namespace StreamHub.Media.Flv;

/// <summary>Pieces shared by the Enhanced RTMP audio and video headers.</summary>
internal static class ExHeaderReader
{
    public const int VideoMultitrack = 6;
    public const int VideoModEx = 7;
    public const int AudioMultitrack = 5;
    public const int AudioModEx = 7;

    /// <summary>AvMultitrackType, the high nibble of the multitrack byte.</summary>
    public const int OneTrack = 0;
    public const int ManyTracks = 1;
    public const int ManyTracksManyCodecs = 2;

    public static bool TryReadFourCc(ref SequenceReader<byte> reader, out uint fourCc)
    {
        var ok = reader.TryReadBigEndian(out int value);
        fourCc = (uint)value;
        return ok;
    }

    /// <summary>In a message of several tracks (ManyTracks, ManyTracksManyCodecs), finds the default track (id 0):
    /// <code>
    /// ManyTracks:           FourCC | { trackId(8) size(UI24) data[size] }...
    /// ManyTracksManyCodecs: { FourCC trackId(8) size(UI24) data[size] }...
    /// </code>
    /// On success <paramref name="track"/> holds the default track's data (empty when the message has none) and the
    /// others are counted, so they can be reported and are never mixed into it. False when a track runs past the
    /// message.</summary>
    public static bool TryFindDefaultTrack(ref SequenceReader<byte> reader, int multitrackType, out uint fourCc,
        out ReadOnlySequence<byte> track, out bool found, out int leftOut, out byte firstLeftOut)
    {
        fourCc = 0;
        track = default;
        found = false;
        leftOut = 0;
        firstLeftOut = 0;
        if (multitrackType == ManyTracks && !TryReadFourCc(ref reader, out fourCc))
        {
            return false;
        }
        while (reader.Remaining > 0)
        {
            var trackFourCc = fourCc;
            if (multitrackType == ManyTracksManyCodecs && !TryReadFourCc(ref reader, out trackFourCc))
            {
                return false;
            }
            if (!reader.TryRead(out var trackId) || !TryReadUInt24(ref reader, out var size) || reader.Remaining < size)
            {
                return false;
            }
            if (trackId == 0 && !found)
            {
                found = true;
                fourCc = trackFourCc;
                track = reader.UnreadSequence.Slice(0, size);
            }
            else
            {
                leftOut++;
                if (firstLeftOut == 0)
                {
                    firstLeftOut = trackId;
                }
            }
            reader.Advance(size);
        }
        return true;
    }

    private static bool TryReadUInt24(ref SequenceReader<byte> reader, out int value)
    {
        value = 0;
        if (!reader.TryRead(out var b0) || !reader.TryRead(out var b1) || !reader.TryRead(out var b2))
        {
            return false;
        }
        value = b0 << 16 | b1 << 8 | b2;
        return true;
    }

    /// <summary>Skips ModEx blocks (v2): size-1 as u8 (255 → u16 size-1 follows), the data, then
    /// modExType(4) nextPacketType(4). The nanosecond offset they may carry is below the millisecond clock, so it is
    /// not applied.</summary>
    public static bool TrySkipModEx(ref SequenceReader<byte> reader, ref int packetType, int modEx)
    {
        while (packetType == modEx)
        {
            if (!reader.TryRead(out var small))
            {
                return false;
            }
            int size = small + 1;
            if (size == 256)
            {
                if (!reader.TryReadBigEndian(out short large))
                {
                    return false;
                }
                size = (ushort)large + 1;
            }
            if (reader.Remaining < size + 1)
            {
                return false;
            }
            reader.Advance(size);
            reader.TryRead(out var next);
            packetType = next & 0x0F;
        }
        return true;
    }
}
