using System.Runtime.CompilerServices;
using StreamHub.Media;

namespace StreamHub.Tests.Media;

/// <summary>The extent of an object that a cache hint asks for, read from the runtime's type data: it must reach the
/// object's last field (or the hint leaves a line to a wait on memory) and not run past the object's end.</summary>
public sealed class CacheLinesTests
{
    private sealed class ThreeLongs
    {
        public long First = 1;
        public long Second = 2;
        public long Last;
    }

    private sealed class RefsAndInts
    {
        public object? Reference = new();
        public string Text = "x";
        public int Number;
        public int Last;
    }

    [Fact]
    public unsafe void An_objects_extent_ends_with_its_last_field()
    {
        var three = new ThreeLongs();
        fixed (long* last = &three.Last)
        {
            var start = Unsafe.As<ThreeLongs, nint>(ref three);
            var end = (nint)(last + 1) - start;
            Assert.Equal(end, CacheLines.InstanceBytes(typeof(ThreeLongs)));
        }
        var mixed = new RefsAndInts();
        fixed (int* number = &mixed.Number, last = &mixed.Last)
        {
            var start = Unsafe.As<RefsAndInts, nint>(ref mixed);
            var end = Math.Max((nint)(number + 1), (nint)(last + 1)) - start;
            var bytes = CacheLines.InstanceBytes(typeof(RefsAndInts));
            // The runtime pads an instance to a whole pointer.
            Assert.InRange(bytes, end, end + sizeof(nint) - 1);
        }
    }

    [Fact]
    public void The_extent_of_what_has_no_fields_of_its_own_to_ask_for_is_one_line()
    {
        Assert.Equal(64, CacheLines.InstanceBytes(typeof(int)));
        Assert.Equal(64, CacheLines.InstanceBytes(typeof(byte[])));
        Assert.Equal(64, CacheLines.InstanceBytes(typeof(Stream)));
    }

    [Fact]
    public void A_subscription_is_asked_for_whole()
    {
        // Its reader's position alone is 192 bytes; more than 1 KiB would be cut short.
        Assert.InRange(CacheLines.InstanceBytes(typeof(StreamHub.Live.LiveSubscription)), 256, 1024);
    }
}
