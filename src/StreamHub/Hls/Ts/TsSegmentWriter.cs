using System.Buffers;
using StreamHub.Hls.Segmenting;
using StreamHub.Media;
using StreamHub.Media.Aac;
using StreamHub.Media.Avc;

namespace StreamHub.Hls.Ts;

/// <summary>MPEG-TS segments for a <see cref="Segmenter"/>: every segment opens with a PAT and a PMT listing its
/// tracks; H.264 goes out as Annex B, one access unit a PES; AAC gets ADTS headers and goes out several frames to a
/// PES, up to <see cref="MaxAudioPesDuration"/> (and 16 KiB). One <see cref="TsMuxer"/> serves the stream's whole
/// life, so continuity counters and the PCR run on across segments and publishes.</summary>
public sealed class TsSegmentWriter : ISegmentWriter
{
    /// <summary>Audio frames share a PES up to this duration: PCRs ride on PES starts in audio-only streams and must
    /// stay within 100 ms of each other (ISO/IEC 13818-1 §2.7.2).</summary>
    public const long MaxAudioPesDuration = 100 * 90;

    private const int MaxAudioPesBytes = 16 * 1024;

    private readonly TsMuxer _muxer = new(hasVideo: true, hasAudio: true);
    private readonly ArrayBufferWriter<byte> _accessUnit = new(64 * 1024);
    private readonly ArrayBufferWriter<byte> _audioPes = new(MaxAudioPesBytes + AdtsHeader.Length + AdtsHeader.MaxPayloadLength);

    private AvcDecoderConfiguration? _avc;
    private AudioSpecificConfig? _aac;
    private long _audioPesPts;
    private long _audioPesDuration;
    private bool _open;
    private bool _segmentHasAudio;

    /// <summary>ADTS's frame_length is 13 bits.</summary>
    public int MaxAudioFrameLength => AdtsHeader.MaxPayloadLength;

    public string Extension => "ts";

    /// <summary>H.264 only: HLS players take neither HEVC nor AV1 in MPEG-TS.</summary>
    public bool CanCarry(VideoCodec codec) => codec == VideoCodec.H264;

    public int InitVersion => 0;

    public ReadOnlyMemory<byte> InitSegment => ReadOnlyMemory<byte>.Empty;

    public long PendingBytes => _audioPes.WrittenCount;

    public bool SetVideoConfiguration(VideoCodec codec, ReadOnlySpan<byte> record)
    {
        if (codec != VideoCodec.H264 || !AvcDecoderConfiguration.TryParse(record, out var configuration))
        {
            return false;
        }
        _avc = configuration;
        return true;
    }

    public void SetAudioConfiguration(ReadOnlySpan<byte> record, AudioSpecificConfig configuration, IBufferWriter<byte> segment)
    {
        if (_aac is not null && _aac != configuration)
        {
            FlushAudio(segment); // its frames carry ADTS headers of the old configuration
        }
        _aac = configuration;
    }

    public void BeginSegment(IBufferWriter<byte> segment, bool hasVideo, bool hasAudio, bool discontinuity)
    {
        // A discontinuity needs nothing in the stream: the PAT and PMT open every segment anyway, and continuity
        // counters may run on across one.
        _muxer.SetTracks(hasVideo, hasAudio);
        _muxer.WriteTables(segment);
        _open = true;
        _segmentHasAudio = hasAudio;
    }

    public bool WriteVideo(IBufferWriter<byte> segment, MediaFrame frame, long pts, long dts, bool keyframe)
    {
        _accessUnit.ResetWrittenCount();
        if (!AnnexBWriter.TryWrite(frame.Payload.Span, _avc, _accessUnit))
        {
            return false;
        }
        _muxer.WriteVideo(segment, _accessUnit.WrittenSpan, pts, dts, keyframe);
        return true;
    }

    public void WriteAudio(IBufferWriter<byte> segment, MediaFrame frame, long dts, long duration)
    {
        var raw = frame.Payload.Span;
        if (_audioPes.WrittenCount > 0
            && (_audioPesDuration + duration > MaxAudioPesDuration || _audioPes.WrittenCount + AdtsHeader.Length + raw.Length > MaxAudioPesBytes))
        {
            FlushAudio(segment);
        }
        if (_audioPes.WrittenCount == 0)
        {
            _audioPesPts = dts;
        }
        AdtsHeader.Write(_audioPes.GetSpan(AdtsHeader.Length), _aac!.Value, raw.Length);
        _audioPes.Advance(AdtsHeader.Length);
        _audioPes.Write(raw);
        _audioPesDuration += duration;
    }

    /// <summary>The audio waiting for its PES goes out, so a part holds every frame up to its end.</summary>
    public void EndPart(IBufferWriter<byte> segment, long end) => FlushAudio(segment);

    public void EndSegment(IBufferWriter<byte> segment, long end)
    {
        FlushAudio(segment);
        _open = false;
    }

    public void Discard()
    {
        _audioPes.ResetWrittenCount();
        _audioPesDuration = 0;
        _open = false;
    }

    /// <summary>Writes the audio frames waiting for their PES into the open segment.</summary>
    private void FlushAudio(IBufferWriter<byte> segment)
    {
        if (_audioPes.WrittenCount == 0)
        {
            return;
        }
        if (_open && _segmentHasAudio)
        {
            _muxer.WriteAudio(segment, [], _audioPes.WrittenSpan, _audioPesPts);
        }
        _audioPes.ResetWrittenCount();
        _audioPesDuration = 0;
    }
}
