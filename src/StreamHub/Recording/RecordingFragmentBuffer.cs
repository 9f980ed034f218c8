using System.Buffers;

namespace StreamHub.Recording;

/// <summary>Where a recording assembles each fragment, in its <see cref="RecordingBuffer"/>, as the file will hold it:
/// the video payloads are copied here once, as the frames are taken (the fMP4 writer's sink), after room left for the
/// fragment's header (<c>moof</c> and <c>mdat</c> header), which is only known when the fragment is cut; the header then
/// goes at the start of that room, the audio payloads after the video, and the file writes the whole from this memory.
/// <para>The room is the largest header of the last few fragments and a margin (fragments cut by
/// <see cref="RecordingOptions.MaxFragmentSeconds"/> just before a keyframe alternate long and short ones, and a long
/// one after a short one must not move its payloads). What the header leaves of it stays in the
/// <c>mdat</c>, before the samples, which the sample offsets skip (zeros); a header larger than the room moves the
/// payloads once (the first fragment of a recording, a GOP much longer than the one before).</para>
/// <para>The buffer's first <see cref="Kept"/> bytes are the file's: the start of the block its end falls in, which an
/// O_DIRECT write rewrites (<see cref="RecordingFile"/>).</para></summary>
public sealed class RecordingFragmentBuffer(RecordingBuffer buffer) : IBufferWriter<byte>
{
    /// <summary>Room kept beyond the previous fragment's header: a few more samples of each track.</summary>
    private const int Margin = 128;

    private const int FirstRoom = 256;

    /// <summary>Room for the padding O_DIRECT writes after a fragment (a <c>free</c> box's header at least).</summary>
    private const int PaddingRoom = 8;

    private int _kept;
    private int _start;
    private int _end;
    // The header lengths of the last fragments (a ring; the next goes at _nextHeader).
    private readonly int[] _headers = new int[4];
    private int _nextHeader;

    /// <summary>The recording's buffer, shared with its files.</summary>
    public RecordingBuffer Buffer => buffer;

    /// <summary>Bytes at the buffer's start that belong to the file (see <see cref="RecordingFile.Kept"/>).</summary>
    public int Kept => _kept;

    /// <summary>Starts a fragment: its payloads go after the file's <paramref name="kept"/> bytes and the room for its header.</summary>
    public void Begin(int kept)
    {
        _kept = kept;
        var largest = _headers.Max();
        _start = _end = kept + (largest == 0 ? FirstRoom : largest + Margin);
        buffer.Ensure(_start, keep: kept);
    }

    public void Advance(int count) => _end += count;

    public Memory<byte> GetMemory(int sizeHint = 0) => throw new NotSupportedException("The fragment buffer hands out spans only.");

    public Span<byte> GetSpan(int sizeHint = 0) => buffer.Ensure(_end + Math.Max(sizeHint, 1), keep: _end)[_end..];

    /// <summary>Makes room for a header of <paramref name="headerLength"/> bytes before the payloads (moving them when
    /// it is short) and returns what the header leaves of it: the <c>mdat</c>'s padding.</summary>
    public int Prepare(int headerLength)
    {
        _headers[_nextHeader] = headerLength;
        _nextHeader = (_nextHeader + 1) % _headers.Length;
        var room = _start - _kept;
        if (headerLength <= room)
        {
            return room - headerLength;
        }
        var payloads = _end - _start;
        var start = _kept + headerLength;
        var span = buffer.Ensure(start + payloads, keep: _end);
        span.Slice(_start, payloads).CopyTo(span[start..]);
        (_start, _end) = (start, start + payloads);
        return 0;
    }

    /// <summary>Puts <paramref name="header"/> (of the length given to <see cref="Prepare"/>) at the start of the room,
    /// zeros after it, and <paramref name="after"/> right after the payloads; returns where the fragment ends in the
    /// buffer (from its start: the file's kept bytes come first). The buffer has room for the file's padding after it.</summary>
    public int Complete(ReadOnlySpan<byte> header, ReadOnlySpan<byte> after)
    {
        var padding = _start - _kept - header.Length;
        if (padding < 0)
        {
            throw new InvalidOperationException("the fragment's header is longer than the room prepared for it");
        }
        var whole = buffer.Ensure(RecordingFile.AlignUp(_end + after.Length + PaddingRoom), keep: _end);
        header.CopyTo(whole[_kept..]);
        whole.Slice(_kept + header.Length, padding).Clear();
        after.CopyTo(whole[_end..]);
        var end = _end + after.Length;
        _start = _end = _kept;
        return end;
    }
}
