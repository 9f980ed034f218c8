using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace StreamHub.Recording;

/// <summary>A recording file being written, appended to one fragment at a time on the disk threads
/// (<see cref="RecordingDisk"/>).
/// <para>Direct (O_DIRECT, Linux): the bytes go from the recording's aligned <see cref="RecordingBuffer"/> to the
/// disk without passing through the page cache, whose copying into fresh pages was most of what recording cost.
/// O_DIRECT writes whole blocks at block offsets, so each write starts at the block holding the end of the previous
/// one (its bytes are kept at the buffer's start) and ends padded to a block boundary with an MP4 <c>free</c> box:
/// after every write the file is a valid fragmented MP4, and a killed process leaves it playable up to the last
/// fragment as before. The next write overwrites the padding; the close truncates the file to its real length.</para>
/// <para>Otherwise (O_DIRECT refused, or <see cref="RecordingOptions.DirectIo"/> off) the bytes are written as they
/// are, through the page cache.</para></summary>
public sealed class RecordingFile : IDisposable
{
    /// <summary>The block O_DIRECT writes are aligned to (the largest logical block size of common disks).</summary>
    public const int BlockSize = 4096;

    /// <summary>The smallest <c>free</c> box: its size and type.</summary>
    private const int FreeBoxHeader = 8;

    private readonly FileStream _stream;
    private readonly RecordingBuffer? _buffer;
    private long _length;
    // The bytes of the block the file's real end falls in, at the buffer's start.
    private int _tail;

    private RecordingFile(string name, FileStream stream, RecordingBuffer? buffer)
    {
        Name = name;
        _stream = stream;
        _buffer = buffer;
    }

    public string Name { get; }

    /// <summary>Whether the file is written with O_DIRECT.</summary>
    public bool Direct => _buffer is not null;

    /// <summary>The bytes written, without the padding.</summary>
    public long Length => _length;

    /// <summary>Bytes of the file's last block kept at the start of its buffer, which the next O_DIRECT write starts
    /// with (0 when written buffered): a fragment assembled in that buffer goes after them.</summary>
    public int Kept => _buffer is null ? 0 : _tail;

    /// <summary>Creates the file (an <see cref="IOException"/> when it exists): with O_DIRECT from
    /// <paramref name="buffer"/> when one is given and the filesystem takes it, otherwise buffered, and then why in
    /// <paramref name="refused"/> (null when O_DIRECT was not asked for or is used).</summary>
    public static RecordingFile CreateNew(string path, RecordingBuffer? buffer, out string? refused)
    {
        refused = null;
        var mode = FileMode.CreateNew;
        if (buffer is not null)
        {
            if (DirectIo.TryCreate(path, out refused) is { } fd)
            {
                return new RecordingFile(path, new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, bufferSize: 0), buffer);
            }
            // A refused O_DIRECT open may have created the file already (the exclusive create said it was not there).
            mode = FileMode.OpenOrCreate;
        }
        return new RecordingFile(path, new FileStream(path, mode, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 0), null);
    }

    /// <summary>Appends <paramref name="bytes"/>, which must start at <paramref name="offset"/>, the file's length.</summary>
    public void Write(ReadOnlySpan<byte> bytes, long offset)
    {
        if (_buffer is null)
        {
            RandomAccess.Write(_stream.SafeFileHandle, bytes, offset);
            _length = Math.Max(_length, offset + bytes.Length);
            return;
        }
        CheckAppends(offset);
        if (bytes.IsEmpty)
        {
            return;
        }
        var buffer = _buffer.Ensure(AlignUp(_tail + bytes.Length + FreeBoxHeader), _tail);
        bytes.CopyTo(buffer[_tail..]);
        WriteBlocks(buffer, _tail + bytes.Length);
    }

    /// <summary>Appends <paramref name="parts"/>, one after the other, at <paramref name="offset"/> (the file's length).</summary>
    public void Write(IReadOnlyList<ReadOnlyMemory<byte>> parts, long offset)
    {
        var total = 0L;
        for (var i = 0; i < parts.Count; i++)
        {
            total += parts[i].Length;
        }
        if (_buffer is null)
        {
            // One gathered write (pwritev): the fragment's header and payloads reach the page cache without first
            // being copied into one buffer.
            RandomAccess.Write(_stream.SafeFileHandle, parts, offset);
            _length = Math.Max(_length, offset + total);
            return;
        }
        CheckAppends(offset);
        if (total == 0)
        {
            return;
        }
        if (_tail + total + FreeBoxHeader > Array.MaxLength - BlockSize)
        {
            throw new IOException($"a fragment of {total} bytes is larger than a recording writes at once");
        }
        var buffer = _buffer.Ensure(AlignUp(_tail + (int)total + FreeBoxHeader), _tail);
        var end = _tail;
        for (var i = 0; i < parts.Count; i++)
        {
            parts[i].Span.CopyTo(buffer[end..]);
            end += parts[i].Length;
        }
        WriteBlocks(buffer, end);
    }

    /// <summary>Appends the fragment assembled in <paramref name="fragment"/>'s buffer, its bytes from
    /// <see cref="RecordingFragmentBuffer.Kept"/> to <paramref name="end"/>, at <paramref name="offset"/> (the file's
    /// length): written from where it lies, no copy.</summary>
    public void Write(RecordingFragmentBuffer fragment, int end, long offset)
    {
        var buffer = fragment.Buffer.Ensure(AlignUp(end + FreeBoxHeader), keep: end);
        if (_buffer is null)
        {
            RandomAccess.Write(_stream.SafeFileHandle, buffer[fragment.Kept..end], offset);
            _length = Math.Max(_length, offset + end - fragment.Kept);
            return;
        }
        CheckAppends(offset);
        if (!ReferenceEquals(fragment.Buffer, _buffer) || fragment.Kept != _tail)
        {
            throw new InvalidOperationException("a fragment for an O_DIRECT file is assembled after the file's kept bytes, in its buffer");
        }
        WriteBlocks(buffer, end);
    }

    /// <summary>Forces what was written to the disk, with the file's size (fsync).</summary>
    public void Sync() => _stream.Flush(flushToDisk: true);

    /// <summary>Cuts the padding off, forces the file to the disk and closes it.</summary>
    public void Close()
    {
        try
        {
            if (_buffer is not null)
            {
                _stream.SetLength(_length);
            }
            _stream.Flush(flushToDisk: true);
        }
        finally
        {
            _stream.Dispose();
        }
    }

    public void Dispose() => _stream.Dispose();

    internal static int AlignUp(int length) => (length + BlockSize - 1) & ~(BlockSize - 1);

    private void CheckAppends(long offset)
    {
        if (offset != _length)
        {
            throw new InvalidOperationException($"an O_DIRECT recording file is written at its end ({_length}), not at {offset}");
        }
    }

    /// <summary>Writes <paramref name="buffer"/>'s first <paramref name="end"/> bytes (from the start of the block
    /// the file ended in) and a <c>free</c> box up to the next block boundary, at least its header's 8 bytes.</summary>
    private void WriteBlocks(Span<byte> buffer, int end)
    {
        var padded = AlignUp(end + FreeBoxHeader);
        var free = buffer[end..padded];
        BinaryPrimitives.WriteUInt32BigEndian(free, (uint)free.Length);
        "free"u8.CopyTo(free[4..]);
        free[FreeBoxHeader..].Clear();
        RandomAccess.Write(_stream.SafeFileHandle, buffer[..padded], _length - _tail);
        _length += end - _tail;
        var tail = (int)(_length % BlockSize);
        buffer.Slice(end - tail, tail).CopyTo(buffer);
        _tail = tail;
    }
}
