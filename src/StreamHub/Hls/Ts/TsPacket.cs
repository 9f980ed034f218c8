namespace StreamHub.Hls.Ts;

/// <summary>Transport stream packet constants (ISO/IEC 13818-1 §2.4.3.2).
/// <code>
/// sync 0x47 | TEI:1 PUSI:1 priority:1 PID:13 | scrambling:2 adaptation_field_control:2 continuity_counter:4 | ...
/// </code></summary>
public static class TsPacket
{
    public const int Size = 188;
    public const int HeaderSize = 4;
    public const int PayloadCapacity = Size - HeaderSize;
    public const byte SyncByte = 0x47;

    /// <summary>adaptation_field_control: payload only.</summary>
    public const byte PayloadOnly = 0x10;

    /// <summary>adaptation_field_control: adaptation field only.</summary>
    public const byte AdaptationOnly = 0x20;

    /// <summary>adaptation_field_control: adaptation field followed by payload.</summary>
    public const byte AdaptationAndPayload = 0x30;

    /// <summary>Adaptation field flags.</summary>
    public const byte DiscontinuityFlag = 0x80;
    public const byte RandomAccessFlag = 0x40;
    public const byte PcrFlag = 0x10;

    public const int PcrSize = 6;

    /// <summary>Writes the 4-byte packet header.</summary>
    public static void WriteHeader(Span<byte> packet, TsPid pid, bool payloadUnitStart, byte adaptationFieldControl, int continuityCounter)
    {
        var value = (ushort)pid;
        packet[0] = SyncByte;
        packet[1] = (byte)((payloadUnitStart ? 0x40 : 0x00) | ((value >> 8) & 0x1F));
        packet[2] = (byte)value;
        packet[3] = (byte)(adaptationFieldControl | (continuityCounter & 0x0F));
    }
}
