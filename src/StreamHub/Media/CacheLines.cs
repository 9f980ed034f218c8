using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace StreamHub.Media;

/// <summary>Hints that bring objects into the processor's caches ahead of their use. A frame goes to every player of a
/// stream one after another, and each player's share of the work reads a few small objects of its own (its
/// subscription, its session, the session's output) that the sends to the players before it have pushed out of the
/// cache: each first read of one then waits on memory. Asked for while the previous player's send runs in the kernel,
/// they are there when the loop comes to them (<see cref="Live.SubscriberWakes"/>, <see cref="Live.LiveStream"/>).
/// <para>An object is asked for without being read, not even for a null check (that read would be the wait the hint
/// saves), so a chain of references is followed one level per step: what one step asked for, the next step reads to
/// find the level below. A hint never faults, whatever the address, and changes nothing but timing: an object the
/// collector has moved since is simply not in the cache. Without the instruction (not x86) a hint does nothing.</para></summary>
internal static unsafe class CacheLines
{
    private const int LineBytes = 64;

    /// <summary>Largest extent asked for: a bigger object is asked for in its first part only.</summary>
    private const int MaxBytes = 1024;

    /// <summary>Asks for the lines of the object <paramref name="reference"/> points to, <paramref name="bytes"/> long
    /// (<see cref="InstanceBytes"/>), without reading it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(object? reference, int bytes)
    {
        if (!Sse.IsSupported || reference is null)
        {
            return;
        }
        var start = (byte*)Unsafe.As<object, nint>(ref reference);
        for (var offset = 0; offset < bytes; offset += LineBytes)
        {
            Sse.Prefetch0(start + offset);
        }
        // The last line too, when the object does not start on a line.
        Sse.Prefetch0(start + bytes - 1);
    }

    /// <summary>Asks for the line holding <paramref name="location"/>, an element of an array already read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch<T>(ref readonly T location)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.AsRef(in location)));
        }
    }

    /// <summary>How far an instance of <paramref name="type"/> extends from where a reference to it points: its type
    /// pointer and fields. Read once per type from the runtime's type data (the base size, the second 32-bit word of
    /// CoreCLR's and NativeAOT's method table, counts the header word before the reference as well); a figure out of
    /// range gives the smallest or largest extent, which only makes a hint less useful.</summary>
    public static int InstanceBytes(Type type)
    {
        if (type.IsValueType || type.IsArray || type.IsAbstract || type.TypeHandle.Value == 0)
        {
            return LineBytes;
        }
        var baseSize = *(uint*)((byte*)type.TypeHandle.Value + 4);
        return (int)Math.Clamp(baseSize - (uint)sizeof(nint), (uint)(2 * sizeof(nint)), MaxBytes);
    }
}
