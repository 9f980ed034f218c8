namespace StreamHub.Rtmp.Messages;

/// <summary>RTMP message type ids (RTMP 1.0 §5.4, §7.1).</summary>
public enum RtmpMessageType : byte
{
    SetChunkSize = 1,
    Abort = 2,
    Acknowledgement = 3,
    UserControl = 4,
    WindowAcknowledgementSize = 5,
    SetPeerBandwidth = 6,
    Audio = 8,
    Video = 9,
    Amf3Data = 15,
    Amf3SharedObject = 16,
    Amf3Command = 17,
    Amf0Data = 18,
    Amf0SharedObject = 19,
    Amf0Command = 20,
    Aggregate = 22,
}
