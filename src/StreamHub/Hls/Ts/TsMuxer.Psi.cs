using System.Buffers;
using System.Buffers.Binary;

namespace StreamHub.Hls.Ts;

public sealed partial class TsMuxer
{
    public const ushort TransportStreamId = 1;
    public const ushort ProgramNumber = 1;

    /// <summary>Writes the PAT and the PMT, one packet each: the first two packets of every segment (RFC 8216 §3.2).</summary>
    public void WriteTables(IBufferWriter<byte> output)
    {
        WritePat(output);
        WritePmt(output);
    }

    /// <summary>PAT: <c>00 | B0 0D | transport_stream_id | C1 | 00 | 00 | program_number | E0|PMT PID | CRC32</c>.</summary>
    private void WritePat(IBufferWriter<byte> output)
    {
        var packet = BeginSection(output, TsPid.Pat, out var section);
        section[0] = 0x00;
        section[1] = 0xB0;
        section[2] = 0x0D;
        BinaryPrimitives.WriteUInt16BigEndian(section[3..], TransportStreamId);
        section[5] = 0xC1;
        section[6] = 0x00;
        section[7] = 0x00;
        BinaryPrimitives.WriteUInt16BigEndian(section[8..], ProgramNumber);
        BinaryPrimitives.WriteUInt16BigEndian(section[10..], (ushort)(0xE000 | (ushort)TsPid.Pmt));
        EndSection(output, packet, section, 12);
    }

    /// <summary>PMT: <c>02 | B0 len | program_number | C1 00 00 | E0|PCR PID | F0 00 | {stream_type E0|PID F0 00}… | CRC32</c>,
    /// len = 13 + 5 × streams.</summary>
    private void WritePmt(IBufferWriter<byte> output)
    {
        var packet = BeginSection(output, TsPid.Pmt, out var section);
        var streams = (HasVideo ? 1 : 0) + (HasAudio ? 1 : 0);
        section[0] = 0x02;
        section[1] = 0xB0;
        section[2] = (byte)(13 + 5 * streams);
        BinaryPrimitives.WriteUInt16BigEndian(section[3..], ProgramNumber);
        section[5] = 0xC1;
        section[6] = 0x00;
        section[7] = 0x00;
        BinaryPrimitives.WriteUInt16BigEndian(section[8..], (ushort)(0xE000 | (ushort)PcrPid));
        section[10] = 0xF0;
        section[11] = 0x00;
        var length = 12;
        if (HasVideo)
        {
            length = WriteStream(section, length, TsStreamType.H264, TsPid.Video);
        }
        if (HasAudio)
        {
            length = WriteStream(section, length, TsStreamType.AacAdts, TsPid.Audio);
        }
        EndSection(output, packet, section, length);
    }

    private static int WriteStream(Span<byte> section, int offset, TsStreamType type, TsPid pid)
    {
        section[offset] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(section[(offset + 1)..], (ushort)(0xE000 | (ushort)pid));
        section[offset + 3] = 0xF0;
        section[offset + 4] = 0x00;
        return offset + 5;
    }

    private Span<byte> BeginSection(IBufferWriter<byte> output, TsPid pid, out Span<byte> section)
    {
        var packet = output.GetSpan(TsPacket.Size)[..TsPacket.Size];
        TsPacket.WriteHeader(packet, pid, payloadUnitStart: true, TsPacket.PayloadOnly, NextContinuity(pid));
        packet[4] = 0x00; // pointer_field
        section = packet[5..];
        return packet;
    }

    private static void EndSection(IBufferWriter<byte> output, Span<byte> packet, Span<byte> section, int length)
    {
        BinaryPrimitives.WriteUInt32BigEndian(section[length..], Crc32Mpeg2.Compute(section[..length]));
        section[(length + 4)..].Fill(0xFF);
        output.Advance(TsPacket.Size);
    }
}
