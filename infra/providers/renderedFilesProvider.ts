// A dynamic provider whose create and update write the rendered files; delete leaves them (they
// hold no data, and may be under review).
import type * as pulumi from "@pulumi/pulumi";
import type { Artifact } from "../builders/stackArtifacts";
import { writeArtifacts } from "./artifactWriter";

export interface RenderedFilesInputs {
  dir: string;
  files: Artifact[];
}

export const renderedFilesProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: RenderedFilesInputs) {
    writeArtifacts(inputs.dir, inputs.files);
    return { id: inputs.dir, outs: inputs };
  },
  async update(_id: string, _olds: RenderedFilesInputs, news: RenderedFilesInputs) {
    writeArtifacts(news.dir, news.files);
    return { outs: news };
  },
};
