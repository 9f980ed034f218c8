namespace StreamHub.Media.Flv;

/// <summary>The TagType byte of an FLV tag (FLV 10.1 §E.4.1; the filter and reserved bits are zero).</summary>
public enum FlvTagType : byte
{
    Audio = 8,
    Video = 9,
    ScriptData = 18,
}
