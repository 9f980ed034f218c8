using System.Buffers;
using StreamHub.Rtmp.Amf;
using StreamHub.Rtmp.Chunking;
using StreamHub.Rtmp.Messages;

namespace StreamHub.Rtmp.Commands;

/// <summary>Writes AMF0 command messages (type 20): name, transaction id, then the values given.</summary>
public static class CommandWriter
{
    public static void Write(IBufferWriter<byte> output, ArrayBufferWriter<byte> scratch, int chunkStreamId, uint streamId,
        int chunkSize, string name, double transactionId, params ReadOnlySpan<object?> values)
    {
        scratch.ResetWrittenCount();
        Amf0Writer.WriteString(scratch, name);
        Amf0Writer.WriteNumber(scratch, transactionId);
        foreach (var value in values)
        {
            Amf0Writer.WriteValue(scratch, value);
        }
        ChunkWriter.WriteMessage(output, chunkStreamId, 0, RtmpMessageType.Amf0Command, streamId, scratch.WrittenSpan, chunkSize);
    }

    /// <summary>The info object of onStatus / _result / _error: level, code, description.</summary>
    public static AmfObject Status(string level, string code, string description) => new()
    {
        ["level"] = level,
        ["code"] = code,
        ["description"] = description,
    };
}
