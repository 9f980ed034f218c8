namespace StreamHub.Media.Av1;

/// <summary>What an AV1 temporal unit starts with, as far as starting a segment there is concerned
/// (<see cref="Av1TemporalUnit.ReadRandomAccess"/>). Only <see cref="RandomAccessPoint"/> decodes without earlier
/// temporal units; the others name what the encoder sent, for the log line.</summary>
public enum Av1RandomAccess : byte
{
    /// <summary>A sequence header, then a shown key frame (AV1 §7.5): decodable on its own.</summary>
    RandomAccessPoint,

    /// <summary>A shown key frame with no sequence header before it in the unit.</summary>
    KeyFrameWithoutSequenceHeader,

    /// <summary>A key frame with show_frame = 0 (a forward key frame, shown later).</summary>
    HiddenKeyFrame,

    /// <summary>show_existing_frame = 1: shows a frame decoded from an earlier temporal unit, which a segment starting
    /// here would not hold.</summary>
    ShowExistingFrame,

    InterFrame,

    IntraOnlyFrame,

    SwitchFrame,

    /// <summary>No frame or frame header OBU before the end of the unit (or before a tile group).</summary>
    NoFrameHeader,

    /// <summary>A forbidden bit set, an OBU size past the end of the unit, a truncated header or leb128.</summary>
    Malformed,
}
