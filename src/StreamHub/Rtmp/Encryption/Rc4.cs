using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StreamHub.Rtmp.Encryption;

/// <summary>RC4 (ARCFOUR), the stream cipher RTMPE encrypts with once the handshake is done. .NET does not ship it
/// (it is broken: RFC 7465 forbids it in TLS), so it is written here: a 256-byte permutation and two indices, keyed by
/// the key-scheduling algorithm, then one keystream byte XORed into each data byte, in place.
/// One instance per direction per connection; not thread-safe (each direction is used by one writer at a time).</summary>
public sealed class Rc4
{
    private readonly byte[] _state = new byte[256];
    private int _i;
    private int _j;

    /// <summary>Runs the key-scheduling algorithm over <paramref name="key"/> (1 to 256 bytes).</summary>
    public Rc4(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty || key.Length > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(key), key.Length, "An RC4 key is 1 to 256 bytes.");
        }
        var s = _state;
        for (var i = 0; i < 256; i++)
        {
            s[i] = (byte)i;
        }
        var j = 0;
        for (var i = 0; i < 256; i++)
        {
            j = (j + s[i] + key[i % key.Length]) & 0xFF;
            (s[i], s[j]) = (s[j], s[i]);
        }
    }

    /// <summary>Encrypts or decrypts <paramref name="data"/> in place (RC4 is its own inverse), advancing the keystream
    /// by its length.</summary>
    public void Transform(Span<byte> data)
    {
        // Indices are masked to 0..255 and the table holds 256 entries, so the unchecked reads stay inside it.
        ref var s = ref MemoryMarshal.GetArrayDataReference(_state);
        ref var d = ref MemoryMarshal.GetReference(data);
        var i = (uint)_i;
        var j = (uint)_j;
        for (var n = 0; n < data.Length; n++)
        {
            i = (i + 1) & 0xFF;
            var si = Unsafe.Add(ref s, (nint)i);
            j = (j + si) & 0xFF;
            var sj = Unsafe.Add(ref s, (nint)j);
            Unsafe.Add(ref s, (nint)i) = sj;
            Unsafe.Add(ref s, (nint)j) = si;
            Unsafe.Add(ref d, n) ^= Unsafe.Add(ref s, (nint)((uint)(si + sj) & 0xFF));
        }
        _i = (int)i;
        _j = (int)j;
    }

    /// <summary>Advances the keystream by <paramref name="count"/> bytes without data: RTMPE drops the first 1536 bytes
    /// of each direction's keystream after the handshake.</summary>
    public void Discard(int count)
    {
        Span<byte> scratch = stackalloc byte[256];
        while (count > 0)
        {
            var step = Math.Min(count, scratch.Length);
            Transform(scratch[..step]);
            count -= step;
        }
    }
}
