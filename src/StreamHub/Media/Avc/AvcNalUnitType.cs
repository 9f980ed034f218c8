namespace StreamHub.Media.Avc;

/// <summary>H.264 nal_unit_type (ITU-T H.264 Table 7-1), the low 5 bits of a NAL unit's first byte.</summary>
public enum AvcNalUnitType : byte
{
    NonIdrSlice = 1,
    IdrSlice = 5,
    Sei = 6,
    Sps = 7,
    Pps = 8,
    AccessUnitDelimiter = 9,
    EndOfSequence = 10,
    EndOfStream = 11,
    Filler = 12,
}
