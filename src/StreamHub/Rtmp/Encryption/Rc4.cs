using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StreamHub.Rtmp.Encryption;

/// <summary>RC4 (ARCFOUR), the stream cipher RTMPE encrypts with once the handshake is done. .NET does not ship it
/// (it is broken: RFC 7465 forbids it in TLS), so it is written here: a 256-byte permutation and two indices, keyed by
/// the key-scheduling algorithm, then one keystream byte XORed into each data byte, in place.
/// One instance per direction per connection; not thread-safe (each direction is used by one writer at a time).</summary>
public sealed class Rc4
{
    // Stored as int, not byte: the swaps then read and write whole registers (as OpenSSL's RC4_INT does on x86-64).
    private readonly int[] _state = new int[256];
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
            s[i] = i;
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
        var i = _i;
        var j = _j;
        for (var n = 0; n < data.Length; n++)
        {
            i = (i + 1) & 0xFF;
            var si = Unsafe.Add(ref s, i);
            j = (j + si) & 0xFF;
            var sj = Unsafe.Add(ref s, j);
            Unsafe.Add(ref s, i) = sj;
            Unsafe.Add(ref s, j) = si;
            Unsafe.Add(ref d, n) ^= (byte)Unsafe.Add(ref s, (si + sj) & 0xFF);
        }
        _i = i;
        _j = j;
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
