using System.Buffers;
using StreamHub.Hls.Segmenting;
using StreamHub.Media;
using StreamHub.Media.Aac;

namespace StreamHub.Hls.Fmp4;

/// <summary>fMP4 (CMAF) segments for a <see cref="Segmenter"/>: an init segment (<c>ftyp</c>/<c>moov</c>) for the
/// tracks a segment carries, rebuilt (a new EXT-X-MAP version) only when they change; each segment opens with
/// <c>styp</c> and holds one fragment (<c>moof</c>+<c>mdat</c>) per part, or one for the whole segment without parts.
/// Carries H.264, HEVC and AV1 video and AAC audio. Frames are held, by reference (retained, not copied), until the
/// fragment that carries them is written.</summary>
public sealed class CmafSegmentWriter : ISegmentWriter, IDisposable
{
    private Fmp4Track? _video;
    private Fmp4Track? _audio;
    private Fmp4SegmentWriter? _fragments;
    private uint _nextFragment = 1;
    private MediaFrame[] _held = ArrayPool<MediaFrame>.Shared.Rent(128);
    private int _heldCount;
    private byte[] _init = [];
    private bool _open;

    /// <summary>An AAC frame is at most 6144 bits per channel; 64 KiB covers any channel layout AAC has.</summary>
    public int MaxAudioFrameLength => 64 * 1024;

    public string Extension => "m4s";

    public bool CanCarry(VideoCodec codec) => codec is VideoCodec.H264 or VideoCodec.Hevc or VideoCodec.Av1;

    public int InitVersion { get; private set; }

    public ReadOnlyMemory<byte> InitSegment => _init;

    public long PendingBytes => _fragments?.PendingBytes ?? 0;

    public bool SetVideoConfiguration(VideoCodec codec, ReadOnlySpan<byte> record)
    {
        Fmp4Track? track = null;
        var created = codec switch
        {
            VideoCodec.H264 => Fmp4Track.TryCreateAvc(record, out track),
            VideoCodec.Hevc => Fmp4Track.TryCreateHevc(record, out track),
            VideoCodec.Av1 => Fmp4Track.TryCreateAv1(record, out track),
            _ => false,
        };
        if (!created)
        {
            return false;
        }
        _video = track;
        return true;
    }

    public void SetAudioConfiguration(ReadOnlySpan<byte> record, AudioSpecificConfig configuration, IBufferWriter<byte> segment)
    {
        if (Fmp4Track.TryCreateAac(record, out var track))
        {
            _audio = track;
        }
    }

    public void BeginSegment(IBufferWriter<byte> segment, bool hasVideo, bool hasAudio, bool discontinuity)
    {
        var video = hasVideo ? _video : null;
        var audio = hasAudio ? _audio : null;
        if (_fragments is null || !ReferenceEquals(video, _fragments.Video) || !ReferenceEquals(audio, _fragments.Audio))
        {
            Release();
            _nextFragment = _fragments?.SequenceNumber ?? _nextFragment;
            _fragments?.Dispose();
            _fragments = new Fmp4SegmentWriter(video, audio, _nextFragment);
            var init = new ArrayBufferWriter<byte>(1024);
            _fragments.WriteInitSegment(init);
            if (!init.WrittenSpan.SequenceEqual(_init))
            {
                _init = init.WrittenSpan.ToArray();
                InitVersion++;
            }
        }
        Fmp4SegmentWriter.WriteSegmentType(segment);
        _open = true;
    }

    public bool WriteVideo(IBufferWriter<byte> segment, MediaFrame frame, long pts, long dts, bool keyframe) =>
        _open && Hold(frame, dts, pts);

    public void WriteAudio(IBufferWriter<byte> segment, MediaFrame frame, long dts, long duration)
    {
        if (_open)
        {
            Hold(frame, dts, dts);
        }
    }

    public void EndPart(IBufferWriter<byte> segment, long end) => WriteFragment(segment, end);

    public void EndSegment(IBufferWriter<byte> segment, long end)
    {
        WriteFragment(segment, end);
        _open = false;
    }

    public void Discard()
    {
        _fragments?.Clear();
        Release();
        _open = false;
    }

    public void Dispose()
    {
        Discard();
        _fragments?.Dispose();
        _fragments = null;
        ArrayPool<MediaFrame>.Shared.Return(_held, clearArray: true);
        _held = [];
    }

    private bool Hold(MediaFrame frame, long dts, long pts)
    {
        if (_fragments is null || !_fragments.Add(frame, dts, pts))
        {
            return false;
        }
        if (_heldCount == _held.Length)
        {
            var larger = ArrayPool<MediaFrame>.Shared.Rent(_heldCount * 2);
            _held.AsSpan(0, _heldCount).CopyTo(larger);
            ArrayPool<MediaFrame>.Shared.Return(_held, clearArray: true);
            _held = larger;
        }
        _held[_heldCount++] = frame.Retain();
        return true;
    }

    private void WriteFragment(IBufferWriter<byte> segment, long end)
    {
        if (_open && _fragments is not null)
        {
            _fragments.WriteFragmentUntil(segment, end);
        }
        Release();
    }

    /// <summary>The frames written (or dropped) go back to their publisher's pool.</summary>
    private void Release()
    {
        foreach (var frame in _held.AsSpan(0, _heldCount))
        {
            frame.Release();
        }
        _held.AsSpan(0, _heldCount).Clear();
        _heldCount = 0;
    }
}
