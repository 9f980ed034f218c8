using StreamHub.Media;
using StreamHub.Media.Aac;
using StreamHub.Media.Av1;
using StreamHub.Media.Avc;
using StreamHub.Media.Hevc;

namespace StreamHub.Hls.Fmp4;

/// <summary>One track of an fMP4 stream, configured from its codec's sequence header: the codec configuration record
/// carried in the sample entry as is (the RTMP sequence header payload is exactly that record for AVC, HEVC and AV1;
/// for AAC it is the AudioSpecificConfig that goes into <c>esds</c>), the track id (video 1, audio 2), the timescale
/// (video 90 kHz, audio its sample rate) and the picture size or audio layout.</summary>
public sealed class Fmp4Track
{
    public const uint VideoTrackId = 1;
    public const uint AudioTrackId = 2;
    public const uint VideoTimescale = 90000;

    private Fmp4Track(Fmp4Codec codec, byte[] configuration, uint timescale)
    {
        Codec = codec;
        Configuration = configuration;
        Timescale = timescale;
    }

    public Fmp4Codec Codec { get; }
    public MediaKind Kind => Codec == Fmp4Codec.Aac ? MediaKind.Audio : MediaKind.Video;
    public uint TrackId => Kind == MediaKind.Video ? VideoTrackId : AudioTrackId;

    /// <summary>Ticks per second of the track's media timeline (<c>mdhd</c>).</summary>
    public uint Timescale { get; }

    /// <summary>avcC / hvcC / av1C record, or the AAC AudioSpecificConfig.</summary>
    public byte[] Configuration { get; }

    public int Width { get; private init; }
    public int Height { get; private init; }
    public int SampleRate { get; private init; }
    public int Channels { get; private init; }

    /// <summary>esds DecoderConfigDescriptor fields; 0 (unknown, allowed by ISO/IEC 14496-1) unless the caller knows
    /// them (an encoder's <c>audiodatarate</c>).</summary>
    public uint AverageBitrate { get; private init; }
    public uint MaxBitrate { get; private init; }

    /// <summary>Samples per audio frame: 1024 for AAC.</summary>
    public int SamplesPerFrame => Codec == Fmp4Codec.Aac ? AudioSpecificConfig.SamplesPerFrame : 0;

    /// <summary>An H.264 track from an AVCDecoderConfigurationRecord; the picture size from its first SPS unless
    /// given. False when the record or its SPS cannot be read (and no size is given).</summary>
    public static bool TryCreateAvc(ReadOnlySpan<byte> record, out Fmp4Track track, int width = 0, int height = 0)
    {
        track = null!;
        if (!AvcDecoderConfiguration.TryParse(record, out var configuration))
        {
            return false;
        }
        if (width <= 0 || height <= 0)
        {
            if (configuration.SequenceParameterSet is not { } sps)
            {
                return false;
            }
            (width, height) = (sps.Width, sps.Height);
        }
        track = Video(Fmp4Codec.Avc, record, width, height);
        return true;
    }

    /// <summary>An HEVC track from an HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1: version 1, at least
    /// the 23-byte fixed part); the picture size from the record's SPS unless given.</summary>
    public static bool TryCreateHevc(ReadOnlySpan<byte> record, out Fmp4Track track, int width = 0, int height = 0)
    {
        track = null!;
        if (record.Length < 23 || record[0] != 1)
        {
            return false;
        }
        if (!ValidSize(width, height) && !TryReadHevcSize(record, out width, out height) || !ValidSize(width, height))
        {
            return false;
        }
        track = Video(Fmp4Codec.Hevc, record, width, height);
        return true;
    }

    /// <summary>An AV1 track from an AV1CodecConfigurationRecord (AV1-ISOBMFF §2.3.3: marker 1, version 1, 4 fixed
    /// bytes then configOBUs); the picture size (max_frame_width/height) from its sequence header OBU unless given.</summary>
    public static bool TryCreateAv1(ReadOnlySpan<byte> record, out Fmp4Track track, int width = 0, int height = 0)
    {
        track = null!;
        if (record.Length < 4 || record[0] != 0x81)
        {
            return false;
        }
        if (!ValidSize(width, height) && !TryReadAv1Size(record, out width, out height) || !ValidSize(width, height))
        {
            return false;
        }
        track = Video(Fmp4Codec.Av1, record, width, height);
        return true;
    }

    /// <summary>An AAC track from an AudioSpecificConfig; the timescale is its sample rate.</summary>
    public static bool TryCreateAac(ReadOnlySpan<byte> audioSpecificConfig, out Fmp4Track track, uint averageBitrate = 0, uint maxBitrate = 0)
    {
        track = null!;
        if (!AudioSpecificConfig.TryParse(audioSpecificConfig, out var config) || audioSpecificConfig.Length > 255)
        {
            return false;
        }
        track = new Fmp4Track(Fmp4Codec.Aac, audioSpecificConfig.ToArray(), (uint)config.SampleRate)
        {
            SampleRate = config.SampleRate,
            // channelConfiguration 0 means "in the program config element": say stereo, as ffmpeg does.
            Channels = config.ChannelConfiguration == 0 ? 2 : config.ChannelConfiguration,
            AverageBitrate = averageBitrate,
            MaxBitrate = Math.Max(maxBitrate, averageBitrate),
        };
        return true;
    }

    /// <summary>A track from a sequence header frame (H.264, HEVC, AV1 or AAC). The picture size comes from the
    /// record (SPS, AV1 sequence header) unless given here.</summary>
    public static bool TryCreate(MediaFrame sequenceHeader, out Fmp4Track track, int width = 0, int height = 0)
    {
        track = null!;
        if (sequenceHeader.FrameKind != MediaFrameKind.SequenceHeader)
        {
            return false;
        }
        var record = sequenceHeader.Payload.Span;
        return sequenceHeader.Kind == MediaKind.Audio
            ? sequenceHeader.AudioCodec == AudioCodec.Aac && TryCreateAac(record, out track)
            : sequenceHeader.VideoCodec switch
            {
                VideoCodec.H264 => TryCreateAvc(record, out track, width, height),
                VideoCodec.Hevc => TryCreateHevc(record, out track, width, height),
                VideoCodec.Av1 => TryCreateAv1(record, out track, width, height),
                _ => false,
            };
    }

    private static bool ValidSize(int width, int height) => width is > 0 and <= ushort.MaxValue && height is > 0 and <= ushort.MaxValue;

    private static Fmp4Track Video(Fmp4Codec codec, ReadOnlySpan<byte> record, int width, int height) =>
        new(codec, record.ToArray(), VideoTimescale) { Width = width, Height = height };

    /// <summary>The picture size from the record's SPS (<see cref="HevcDecoderConfiguration"/>, the parser the stats use).</summary>
    private static bool TryReadHevcSize(ReadOnlySpan<byte> record, out int width, out int height)
    {
        (width, height) = (0, 0);
        if (!HevcDecoderConfiguration.TryParse(record, out var configuration) || configuration.SequenceParameterSet is not { } sps)
        {
            return false;
        }
        (width, height) = (sps.Width, sps.Height);
        return true;
    }

    /// <summary>max_frame_width/height from the record's sequence header OBU (<see cref="Av1CodecConfiguration"/>).</summary>
    private static bool TryReadAv1Size(ReadOnlySpan<byte> record, out int width, out int height)
    {
        (width, height) = (0, 0);
        if (!Av1CodecConfiguration.TryParse(record, out var configuration) || configuration.Width is not { } w || configuration.Height is not { } h)
        {
            return false;
        }
        (width, height) = (w, h);
        return true;
    }
}
