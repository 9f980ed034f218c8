using System.Runtime.InteropServices;

namespace StreamHub.Recording;

/// <summary>One recording's buffer for its O_DIRECT writes, reused for every fragment of every file: its start is
/// aligned to <see cref="RecordingFile.BlockSize"/> (as O_DIRECT requires of the memory it writes from), and it grows
/// when a fragment is larger than any before (a fragment is bounded by <see cref="RecordingOptions.MaxFragmentSeconds"/>
/// and by what the live subscription holds). Pinned, so its address, and with it the alignment, never changes.</summary>
public sealed class RecordingBuffer
{
    private byte[] _array = [];
    private int _start;
    private int _capacity;

    /// <summary>At least <paramref name="length"/> bytes, whose first <paramref name="keep"/> bytes are those the
    /// buffer held.</summary>
    public Span<byte> Ensure(int length, int keep)
    {
        if (length > _capacity)
        {
            var capacity = RecordingFile.AlignUp(Math.Max(length, Math.Min(Array.MaxLength / 2, _capacity) * 2));
            var array = GC.AllocateUninitializedArray<byte>(capacity + RecordingFile.BlockSize, pinned: true);
            var address = Marshal.UnsafeAddrOfPinnedArrayElement(array, 0).ToInt64();
            var start = (int)((RecordingFile.BlockSize - address % RecordingFile.BlockSize) % RecordingFile.BlockSize);
            _array.AsSpan(_start, keep).CopyTo(array.AsSpan(start));
            (_array, _start, _capacity) = (array, start, capacity);
        }
        return _array.AsSpan(_start, length);
    }
}
