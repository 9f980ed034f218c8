using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace StreamHub.StreamKeys.Migrations;

/// <summary>Restream targets: per stream, where to push it on to and the platform's key encrypted with Data Protection.
/// Written by hand like the others; the schema test compares it with the model.</summary>
[DbContext(typeof(StreamKeyDbContext))]
[Migration("20261202000000_RestreamTargets")]
public sealed class RestreamTargets : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "restream_targets",
            columns: table => new
            {
                id = table.Column<long>(nullable: false).Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                stream_id = table.Column<int>(nullable: false),
                name = table.Column<string>(maxLength: 64, nullable: false),
                scheme = table.Column<string>(maxLength: 8, nullable: false),
                host = table.Column<string>(maxLength: 253, nullable: false),
                port = table.Column<int>(nullable: false),
                application = table.Column<string>(maxLength: 256, nullable: false),
                protected_key = table.Column<byte[]>(nullable: false),
                key_hint = table.Column<string>(maxLength: 4, nullable: false),
                enabled = table.Column<bool>(nullable: false),
                allow_untrusted_certificate = table.Column<bool>(nullable: false),
                created_at = table.Column<DateTimeOffset>(nullable: false),
                updated_at = table.Column<DateTimeOffset>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_restream_targets", x => x.id);
                table.ForeignKey(name: "fk_restream_targets_streams_stream_id", column: x => x.stream_id,
                    principalTable: "streams", principalColumn: "id", onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateIndex(name: "ux_restream_targets_stream_id_name", table: "restream_targets",
            columns: ["stream_id", "name"], unique: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable(name: "restream_targets");
}
