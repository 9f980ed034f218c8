namespace StreamHub.Rtmp.Messages;

/// <summary>User Control message event types (RTMP 1.0 §7.1.7).</summary>
public enum UserControlEvent : ushort
{
    StreamBegin = 0,
    StreamEof = 1,
    StreamDry = 2,
    SetBufferLength = 3,
    StreamIsRecorded = 4,
    PingRequest = 6,
    PingResponse = 7,
}
