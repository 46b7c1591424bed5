process HICLSTM_TRAIN {
    tag "$meta.id"
    label 'process_high'
    label 'process_gpu'
    container 'ghcr.io/hiclstm/hiclstm:0.1.0'

    input:
    tuple val(meta), path(contacts), path(bins), path(trans)
    path(config)
    path(orient)

    output:
    tuple val(meta), path("${prefix}", type: 'dir')          , emit: model
    tuple val(meta), path("${prefix}/representations.parquet"), emit: representations
    tuple val(meta), path("${prefix}/training_log.parquet")   , emit: log
    path "versions.yml"                                       , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def model_config = config ? "--config ${config}" : ''
    def orient_track = orient ? "--orient ${orient}" : ''
    def trans_table = trans ? "--trans ${trans}" : ''
    """
    hiclstm-train \\
        ${contacts} \\
        ${model_config} \\
        ${orient_track} \\
        ${trans_table} \\
        -o ${prefix} \\
        --threads ${task.cpus} \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-train --version | sed 's/^hiclstm-train //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mkdir -p ${prefix}
    touch ${prefix}/representations.parquet ${prefix}/training_log.parquet ${prefix}/model.safetensors ${prefix}/model.yaml
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-train --version | sed 's/^hiclstm-train //')
    END_VERSIONS
    """
}
