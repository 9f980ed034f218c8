using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace StreamHub.StreamKeys.Migrations;

/// <summary>The first schema. Written by hand (the EF tools are not part of the build). One set of migrations serves
/// SQLite and PostgreSQL: column types are left to the provider (each maps the CLR type and length itself), and the
/// only provider-specific part, how a key column numbers itself, is an annotation per provider that the other
/// provider's SQL generator ignores. The schema tests compare the result with the model on both.</summary>
[DbContext(typeof(StreamKeyDbContext))]
[Migration("20261124000000_InitialCreate")]
public sealed class InitialCreate : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "streams",
            columns: table => new
            {
                id = table.Column<int>(nullable: false).Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                name = table.Column<string>(maxLength: 64, nullable: false),
                key_hash = table.Column<byte[]>(maxLength: 32, nullable: false),
                description = table.Column<string>(maxLength: 256, nullable: true),
                created_at = table.Column<DateTimeOffset>(nullable: false),
                key_issued_at = table.Column<DateTimeOffset>(nullable: false),
                expires_at = table.Column<DateTimeOffset>(nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_streams", x => x.id));

        migrationBuilder.CreateIndex(name: "ux_streams_name", table: "streams", column: "name", unique: true);
        migrationBuilder.CreateIndex(name: "ux_streams_key_hash", table: "streams", column: "key_hash", unique: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable(name: "streams");
}
