using System.Buffers.Binary;

namespace StreamHub.Hls.Fmp4;

/// <summary>Writes big-endian ISO BMFF boxes into a span the caller sized for the whole tree. A box is opened with
/// <see cref="Start"/> (its 32-bit size left as a hole) and closed with <see cref="End"/>, which patches the size in:
/// the writer never needs to know a box's length before writing its content.
/// <code>
/// box:      u32 size | u32 type | body
/// full box: u32 size | u32 type | u8 version | u24 flags | body
/// </code></summary>
public ref struct BoxWriter(Span<byte> buffer)
{
    private readonly Span<byte> _buffer = buffer;
    private int _position;

    /// <summary>Bytes written so far.</summary>
    public readonly int Length => _position;

    /// <summary>Opens a box; returns its start, to hand to <see cref="End"/>.</summary>
    public int Start(BoxType type)
    {
        var start = _position;
        _position += 4;
        U32((uint)type);
        return start;
    }

    /// <summary>Opens a full box (version and flags after the type).</summary>
    public int StartFull(BoxType type, byte version, uint flags)
    {
        var start = Start(type);
        U32((uint)version << 24 | (flags & 0xFFFFFF));
        return start;
    }

    /// <summary>Closes the box opened at <paramref name="start"/>, writing its size.</summary>
    public readonly void End(int start) => BinaryPrimitives.WriteUInt32BigEndian(_buffer[start..], (uint)(_position - start));

    public void U8(byte value) => _buffer[_position++] = value;

    public void U16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], value);
        _position += 2;
    }

    public void U24(int value)
    {
        _buffer[_position] = (byte)(value >> 16);
        _buffer[_position + 1] = (byte)(value >> 8);
        _buffer[_position + 2] = (byte)value;
        _position += 3;
    }

    public void U32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[_position..], value);
        _position += 4;
    }

    public void I32(int value) => U32((uint)value);

    public void U64(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(_buffer[_position..], value);
        _position += 8;
    }

    public void Bytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_buffer[_position..]);
        _position += value.Length;
    }

    public void Zeros(int count)
    {
        _buffer.Slice(_position, count).Clear();
        _position += count;
    }

    /// <summary>The unity transformation matrix of <c>mvhd</c> and <c>tkhd</c> (16.16 and 2.30 fixed point).</summary>
    public void UnityMatrix()
    {
        U32(0x00010000); U32(0); U32(0);
        U32(0); U32(0x00010000); U32(0);
        U32(0); U32(0); U32(0x40000000);
    }
}
