namespace StreamHub.Rtmp.Amf;

/// <summary>AMF3 type markers (AMF3 spec §3.1).</summary>
public enum Amf3Marker : byte
{
    Undefined = 0x00,
    Null = 0x01,
    False = 0x02,
    True = 0x03,
    Integer = 0x04,
    Double = 0x05,
    String = 0x06,
    XmlDocument = 0x07,
    Date = 0x08,
    Array = 0x09,
    Object = 0x0A,
    Xml = 0x0B,
    ByteArray = 0x0C,
}
