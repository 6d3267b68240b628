CREATE TABLE "chunk_embeddings" (
	"set_key" text NOT NULL,
	"idx" integer NOT NULL,
	"model" text NOT NULL,
	"vector" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chunk_embeddings_set_key_idx_model_pk" PRIMARY KEY("set_key","idx","model")
);
--> statement-breakpoint
ALTER TABLE "chunk_embeddings" ADD CONSTRAINT "chunk_embeddings_set_key_idx_chunks_set_key_idx_fk" FOREIGN KEY ("set_key","idx") REFERENCES "public"."chunks"("set_key","idx") ON DELETE cascade ON UPDATE no action;