namespace StreamHub.Media;

public enum MediaKind : byte
{
    Audio = 8,
    Video = 9,
}
