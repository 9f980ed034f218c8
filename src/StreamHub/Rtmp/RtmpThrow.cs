using System.Diagnostics.CodeAnalysis;

namespace StreamHub.Rtmp;

/// <summary>Throw helpers, so the hot parsing paths stay small enough to inline.</summary>
internal static class RtmpThrow
{
    [DoesNotReturn]
    public static void ProtocolError(RtmpError error, string message) => throw new RtmpProtocolException(error, message);

    [DoesNotReturn]
    public static T ProtocolError<T>(RtmpError error, string message) => throw new RtmpProtocolException(error, message);

    [DoesNotReturn]
    public static void MessageTooLarge(Messages.RtmpMessageType type, int length, int limit) =>
        throw new RtmpProtocolException(RtmpError.MessageTooLarge, $"{type} message of {length} bytes announced, limit is {limit}");

    [DoesNotReturn]
    public static void TooManyAmfValues(int limit) =>
        throw new RtmpProtocolException(RtmpError.TooManyAmfValues, $"more than {limit} AMF values in one message");

    [DoesNotReturn]
    public static void InvalidChunkSize(uint size, int limit) =>
        throw new RtmpProtocolException(RtmpError.InvalidChunkSize, $"chunk size {size} is outside 1..{limit}");

    [DoesNotReturn]
    public static void TooManyChunkStreams(int limit) =>
        throw new RtmpProtocolException(RtmpError.TooManyChunkStreams, $"more than {limit} chunk streams opened");

    [DoesNotReturn]
    public static void MalformedAmf(string what) => throw new RtmpProtocolException(RtmpError.MalformedAmf, what);
}
