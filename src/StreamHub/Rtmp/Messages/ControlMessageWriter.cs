using System.Buffers;
using System.Buffers.Binary;
using StreamHub.Rtmp.Chunking;

namespace StreamHub.Rtmp.Messages;

/// <summary>Protocol control and user control messages (RTMP 1.0 §5.4, §7.1.7), on chunk stream 2, message stream 0.</summary>
public static class ControlMessageWriter
{
    public const int ControlChunkStreamId = 2;

    public static void WriteSetChunkSize(IBufferWriter<byte> output, int chunkSize, int outChunkSize) =>
        WriteUInt32(output, RtmpMessageType.SetChunkSize, (uint)chunkSize & 0x7FFFFFFF, outChunkSize);

    public static void WriteAcknowledgement(IBufferWriter<byte> output, uint sequenceNumber, int outChunkSize) =>
        WriteUInt32(output, RtmpMessageType.Acknowledgement, sequenceNumber, outChunkSize);

    public static void WriteWindowAcknowledgementSize(IBufferWriter<byte> output, uint windowSize, int outChunkSize) =>
        WriteUInt32(output, RtmpMessageType.WindowAcknowledgementSize, windowSize, outChunkSize);

    public static void WriteSetPeerBandwidth(IBufferWriter<byte> output, uint windowSize, PeerBandwidthLimit limit, int outChunkSize)
    {
        Span<byte> payload = stackalloc byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(payload, windowSize);
        payload[4] = (byte)limit;
        ChunkWriter.WriteMessage(output, ControlChunkStreamId, 0, RtmpMessageType.SetPeerBandwidth, 0, payload, outChunkSize);
    }

    public static void WriteUserControl(IBufferWriter<byte> output, UserControlEvent userEvent, uint value, int outChunkSize)
    {
        Span<byte> payload = stackalloc byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)userEvent);
        BinaryPrimitives.WriteUInt32BigEndian(payload[2..], value);
        ChunkWriter.WriteMessage(output, ControlChunkStreamId, 0, RtmpMessageType.UserControl, 0, payload, outChunkSize);
    }

    private static void WriteUInt32(IBufferWriter<byte> output, RtmpMessageType type, uint value, int outChunkSize)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, value);
        ChunkWriter.WriteMessage(output, ControlChunkStreamId, 0, type, 0, payload, outChunkSize);
    }
}
