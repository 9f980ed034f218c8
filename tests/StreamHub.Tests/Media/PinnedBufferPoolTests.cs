using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StreamHub.Media;

namespace StreamHub.Tests.Media;

/// <summary>The pool of pinned arrays that frames' shared encodings and RTMP output blocks come from: sizes by class,
/// and arrays that stay where they are through a compacting collection (a send passes their address to the kernel).</summary>
public sealed class PinnedBufferPoolTests
{
    [Theory]
    [InlineData(1, 4096)]
    [InlineData(4096, 4096)]
    [InlineData(4097, 8192)]
    [InlineData(300_000, 512 * 1024)]
    [InlineData(3_000_000, 3_000_000)]
    public void A_rent_gets_the_size_class_at_or_above_what_was_asked(int asked, int length)
    {
        var array = PinnedBufferPool.Shared.Rent(asked);
        Assert.Equal(length, array.Length);
        PinnedBufferPool.Shared.Return(array);
    }

    [Fact]
    public unsafe void Rented_arrays_do_not_move_when_the_heap_is_compacted()
    {
        var arrays = Enumerable.Range(0, 16).Select(_ => PinnedBufferPool.Shared.Rent(4096)).ToArray();
        var before = arrays.Select(a => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(a))).ToArray();
        // Garbage between them, so a compaction has something to close up.
        for (var i = 0; i < 10_000; i++)
        {
            _ = new byte[64];
        }
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

        var after = arrays.Select(a => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(a))).ToArray();
        Assert.Equal(before, after);
        foreach (var array in arrays)
        {
            PinnedBufferPool.Shared.Return(array);
        }
    }
}
